/**
 * `hvae analyze <runDir> [--json]`: per-agent angles, categories and value rationality of a run,
 * streamed from its event log. `--json` prints `{run, agents, groups, interactions}`.
 *
 * @example
 * // hvae analyze runs/demo-20250101T120000Z-3fa9c2 --json | jq '.agents[0].vr'
 */
import { existsSync, statSync } from "node:fs";
import { lastValueFrom } from "rxjs";
import { analyze } from "../../../analysis/operators.ts";
import type { Analysis, Summary } from "../../../analysis/summary.ts";
import { eventsPath } from "../../store/run-dir.ts";
import { readEvents } from "../../store/jsonl-reader.ts";
import { parseFlags } from "../args.ts";
import { InputError } from "../errors.ts";

const USAGE = "hvae analyze <runDir> [--json]";

/** The event log of a run directory, checked to exist; InputError naming the problem otherwise. */
export function runLogPath(runDir: string): string {
  if (!existsSync(runDir)) throw new InputError(`${runDir}: no such run directory`);
  if (!statSync(runDir).isDirectory()) throw new InputError(`${runDir}: not a directory (expected a run directory)`);
  const path = eventsPath(runDir);
  if (!existsSync(path)) throw new InputError(`${runDir}: no events.jsonl in this directory (is it a run directory?)`);
  return path;
}

/**
 * Streams a run's log through the analysis operators.
 *
 * @example
 * const { summary } = await analyzeRun("runs/demo-x");
 */
export async function analyzeRun(runDir: string): Promise<Analysis> {
  const path = runLogPath(runDir);
  try {
    return await lastValueFrom(readEvents(path).pipe(analyze()));
  } catch (err) {
    if (err instanceof Error && /no run\.started/.test(err.message)) {
      throw new InputError(`${path}: empty event log (no run.started event)`);
    }
    throw err;
  }
}

/** Fixed-precision number or "–" for null. */
export function fmt(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits);
}

export function fmtCI(ci: [number, number] | null, digits = 2): string {
  return ci ? `[${fmt(ci[0], digits)}, ${fmt(ci[1], digits)}]` : "";
}

/** Left-aligned text columns, right-aligned numbers, one header rule. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-–+\d.[\], %$]*$/.test(r[i])));
  const line = (r: string[]) =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const MAX_AGENT_ROWS = 40;

/** The terminal rendering of a summary: run line, groups (the paper's table), agents, interactions. */
export function formatSummary(s: Summary): string {
  const r = s.run;
  const out: string[] = [];
  out.push(
    `run ${r.id}  scenario ${r.scenario}  game ${r.game}  angle method: ${r.method === "slider" ? "slider formula (primary items)" : "logit ML fit"}`,
  );
  out.push(
    `${r.trajectories} trajectories (${r.invalidTrajectories} invalid, ${r.incompleteTrajectories} incomplete), ` +
      `${r.decisions} decisions (${fmt(r.invalidRate === null ? null : 100 * r.invalidRate, 1)}% invalid), ` +
      `${r.modelCalls} model calls, ${r.inputTokens + r.outputTokens} tokens, $${r.costUsd.toFixed(4)}` +
      (r.status ? `, status ${r.status}` : ""),
  );
  if (r.note) out.push(`note: ${r.note}`);
  out.push("", "Groups (model × condition × value):");
  out.push(
    textTable(
      ["model", "condition", "value", "n", "angle", "95% CI", "VR", "95% CI", "chance", "VR_cc", "cat.acc", "invalid%", "cost $"],
      s.groups.map((g) => [
        g.model,
        g.condition ?? "-",
        g.value,
        String(g.n),
        fmt(g.angle),
        fmtCI(g.angleCI),
        fmt(g.vr, 3),
        fmtCI(g.vrCI, 3),
        fmt(g.vrChance, 3),
        fmt(g.vrCC, 3),
        fmt(g.categoryAccuracy, 2),
        fmt(g.invalidRate === null ? null : 100 * g.invalidRate, 1),
        g.costUsd.toFixed(4),
      ]),
    ),
  );
  out.push("", "Agents:");
  const shown = s.agents.slice(0, MAX_AGENT_ROWS);
  out.push(
    textTable(
      ["agent", "type", "value", "target set", "traj", "invalid", "angle", "95% CI", "category", "cat.acc", "VR", "95% CI", "VR_cc"],
      shown.map((a) => [
        a.id,
        a.model ? `${a.type} ${a.model}` : a.type,
        String(a.value),
        fmtCI(a.targetSet),
        String(a.trajectories),
        String(a.invalid),
        fmt(a.angle),
        fmtCI(a.angleCI),
        a.category ?? "–",
        fmt(a.categoryAccuracy),
        fmt(a.vr, 3),
        fmtCI(a.vrCI, 3),
        fmt(a.vrCC, 3),
      ]),
    ),
  );
  if (s.agents.length > shown.length) out.push(`… ${s.agents.length - shown.length} more agents (see --json or hvae report)`);
  if (s.interactions.some((c) => c.partnerValue !== "none")) {
    out.push("", "Angle by partner's value (rows: own value):");
    const partners = [...new Set(s.interactions.map((c) => c.partnerValue))];
    const own = [...new Set(s.interactions.map((c) => c.value))];
    out.push(
      textTable(
        ["value", ...partners],
        own.map((v) => [
          v,
          ...partners.map((p) => {
            const c = s.interactions.find((x) => x.value === v && x.partnerValue === p);
            return c ? `${fmt(c.angle)} (n=${c.n})` : "";
          }),
        ]),
      ),
    );
  }
  return out.join("\n");
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean" } }, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}`);
    return 0;
  }
  if (positionals.length !== 1) throw new InputError(`expected one run directory\nusage: ${USAGE}`);
  const { summary } = await analyzeRun(positionals[0]);
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  return 0;
}
