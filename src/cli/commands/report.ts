/**
 * `hvae report <runDir> [--out DIR]`: writes report.html (self-contained, charts as inline SVG),
 * summary.md, decisions.csv, trajectories.csv, agents.csv and items.csv to DIR (default <runDir>/report), and
 * transcripts.jsonl (one line per model call, messages resolved) when the run has transcripts.
 * One streaming pass over the log feeds both the analysis and decisions.csv.
 *
 * @example
 * // hvae report runs/demo-20250101T120000Z-3fa9c2 --out /tmp/demo-report
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { lastValueFrom, tap } from "rxjs";
import { analyze } from "../../../analysis/operators.ts";
import { renderCharts, type RenderedChart } from "../../../analysis/report/charts.ts";
import { agentsCsv, groupsCsv, interactionsCsv, itemsCsv, openDecisionsCsv, trajectoriesCsv } from "../../../analysis/report/csv.ts";
import { reportHtml } from "../../../analysis/report/html.ts";
import { summaryMarkdown } from "../../../analysis/report/markdown.ts";
import { parseCluster, type Analysis, type ClusterOption } from "../../../analysis/summary.ts";
import { readEvents } from "../../store/jsonl-reader.ts";
import { openTranscripts, type TranscriptIndex } from "../../store/transcript-reader.ts";
import { callJson } from "./transcript.ts";
import { refuseDuplicates } from "../../store/log-integrity.ts";
import { parseFlags } from "../args.ts";
import { InputError } from "../../core/errors.ts";
import { isExperimentDir, readExperiment } from "../../store/experiment-dir.ts";
import { runLogPath } from "./analyze.ts";
import { lockRunDir } from "../../store/run-lock.ts";
import { checkOutputDir, NO_FOLLOW_WRITE, writeFileNoFollow } from "../../store/safe-write.ts";

const USAGE = "hvae report <runDir | experimentDir> [--out DIR] [--cluster none|agent|partner|pair]";

/** The files a report directory holds. */
export const REPORT_FILES = ["report.html", "summary.md", "decisions.csv", "trajectories.csv", "agents.csv", "groups.csv", "interactions.csv", "items.csv"] as const;
/** Written too when the run has transcripts: one line per model call, messages resolved. */
export const TRANSCRIPTS_EXPORT = "transcripts.jsonl";

/**
 * Writes the report of a run and returns the analysis it drew.
 *
 * @example
 * await writeReport("runs/demo-x", "runs/demo-x/report");
 */
export async function writeReport(runDir: string, outDir: string, opts: { cluster?: ClusterOption } = {}): Promise<Analysis> {
  const path = runLogPath(runDir);
  checkOutputDir(runDir, outDir);
  const transcripts = openTranscripts(runDir);
  const rawAnswer = (id: string) => {
    const last = transcripts?.forDecision(id).at(-1);
    return last?.response ? (last.response.refusal !== null ? `[refusal] ${last.response.refusal}` : last.response.content) : null;
  };
  const decisions = openDecisionsCsv(join(outDir, "decisions.csv"), rawAnswer);
  let analysis: Analysis;
  try {
    analysis = await lastValueFrom(readEvents(path).pipe(refuseDuplicates(path), tap((ev) => decisions.write(ev)), analyze(opts)));
  } catch (err) {
    if (err instanceof Error && /no run\.started/.test(err.message)) {
      throw new InputError(`${path}: empty event log (no run.started event)`);
    }
    throw err;
  } finally {
    decisions.close();
  }
  if (transcripts) {
    exportTranscripts(transcripts, join(outDir, TRANSCRIPTS_EXPORT));
    transcripts.close();
  }
  const charts = await renderCharts(analysis);
  writeFileNoFollow(join(outDir, "report.html"), reportHtml(analysis, charts), "the report");
  writeFigures(runDir, outDir, charts);
  writeFileNoFollow(join(outDir, "summary.md"), summaryMarkdown(analysis.summary), "the report");
  writeFileNoFollow(join(outDir, "trajectories.csv"), trajectoriesCsv(analysis), "the report");
  writeFileNoFollow(join(outDir, "agents.csv"), agentsCsv(analysis.summary), "the report");
  writeFileNoFollow(join(outDir, "groups.csv"), groupsCsv(analysis.summary), "the report");
  writeFileNoFollow(join(outDir, "interactions.csv"), interactionsCsv(analysis.summary), "the report");
  writeFileNoFollow(join(outDir, "items.csv"), itemsCsv(analysis.summary), "the report");
  return analysis;
}

/**
 * Each figure as a standalone SVG, `<outDir>/figures/<id>.svg` (run and experiment reports alike),
 * for a paper or slides without the page around it.
 *
 * @example
 * writeFigures("runs/demo-x", "runs/demo-x/report", charts);
 */
export function writeFigures(sourceDir: string, outDir: string, figures: readonly RenderedChart[]): void {
  checkOutputDir(sourceDir, join(outDir, "figures"));
  for (const f of figures) writeFileNoFollow(join(outDir, "figures", `${f.id}.svg`), f.svg, "the report");
}

/**
 * transcripts.jsonl for pandas or R: one JSON object per call with its messages resolved
 * (`pd.read_json(path, lines=True)`), written in bounded batches.
 */
export function exportTranscripts(t: TranscriptIndex, path: string): void {
  const fd = openSync(path, NO_FOLLOW_WRITE, 0o644);
  let buf = "";
  try {
    t.each((c) => {
      buf += JSON.stringify({ decisionId: c.decisionId, agentId: c.agentId, trial: c.trial, round: c.round, ...callJson(c) }) + "\n";
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = "";
      }
    });
    if (buf) writeSync(fd, buf);
  } finally {
    closeSync(fd);
  }
}

/**
 * The report of an experiment directory: report.html with the paper's figures, the comparisons
 * and the cost per cell, figures/*.svg, and cells.csv (the cells × values table of VR_cc).
 *
 * @example
 * await writeExperimentReport("runs/hvae-paper-…", "runs/hvae-paper-…/report");
 */
export async function writeExperimentReport(dir: string, outDir: string, opts: { cluster?: ClusterOption } = {}): Promise<void> {
  const { compare, cellTable } = await import("./compare.ts");
  const { experimentReport } = await import("../../../analysis/report/experiment.ts");
  const [vr, vrCC] = [await compare([dir], "vr", opts), await compare([dir], "vrCC", opts)];
  checkOutputDir(dir, outDir);
  const { html, figures } = await experimentReport({ vr, vrCC, title: readExperiment(dir).experimentId });
  writeFileNoFollow(join(outDir, "report.html"), html, "the report");
  writeFigures(dir, outDir, figures);
  const t = cellTable(vrCC);
  const csv = [t.header, ...t.rows].map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",")).join("\n") + "\n";
  writeFileNoFollow(join(outDir, "cells.csv"), csv, "the report");
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { out: { type: "string" }, cluster: { type: "string" } }, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}\n\nWrites ${REPORT_FILES.join(", ")} (default DIR: <runDir>/report).`);
    return 0;
  }
  if (positionals.length !== 1) throw new InputError(`expected one run directory\nusage: ${USAGE}`);
  const runDir = positionals[0];
  const cluster = parseCluster(values.cluster as string | undefined, USAGE);
  if (isExperimentDir(runDir)) {
    const out = values.out ?? join(runDir, "report");
    await writeExperimentReport(runDir, out, { cluster });
    console.log(join(out, "report.html"));
    return 0;
  }
  const outDir = values.out ?? join(runDir, "report");
  runLogPath(runDir);
  // One writer per run directory: a report is not drawn from a log another process is appending to.
  const lock = lockRunDir(runDir, "hvae report");
  try {
    await writeReport(runDir, outDir, { cluster });
  } finally {
    lock.release();
  }
  console.log(join(outDir, "report.html"));
  return 0;
}
