/**
 * The `hvae` command line. Each subcommand lives in its own module and is imported only when
 * used, so `hvae score` never pays for LangChain or mathjs start-up.
 */
import { InputError, IoError } from "../core/errors.ts";
import { DISK_ERROR_CODES } from "../store/io-failure.ts";
import { boundHeapGrowth } from "./heap-growth.ts";

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  run: { summary: "run a scenario: hvae run <scenario> [--out DIR] [--seed N] [--resume DIR] …", load: () => import("./commands/run.ts") },
  validate: { summary: "check a scenario file and report every problem with its path and line", load: () => import("./commands/validate.ts") },
  plan: { summary: "before paying: cells, sessions, decisions, model calls, tokens and cost of a scenario", load: () => import("./commands/plan.ts") },
  schema: { summary: "print the scenario JSON Schema (for editor completion)", load: () => import("./commands/schema.ts") },
  score: { summary: "score SVO Slider answers from a CSV or JSON file", load: () => import("./commands/score.ts") },
  analyze: { summary: "per-agent angles, categories and value rationality of a run", load: () => import("./commands/analyze.ts") },
  report: { summary: "write an HTML report with charts, summary.md and CSVs for a run", load: () => import("./commands/report.ts") },
  transcript: { summary: "the conversation behind one decision: hvae transcript <runDir> <decisionId> [--json]", load: () => import("./commands/transcript.ts") },
  view: { summary: "browse runs, decisions and transcripts in a local web app, live while a run writes: hvae view <runDir | runsDir>", load: () => import("./commands/view.ts") },
  compare: { summary: "one table across several runs", load: () => import("./commands/compare.ts") },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: hvae <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun 'hvae <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  boundHeapGrowth();
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") {
    const { readFileSync } = await import("node:fs");
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    console.log(pkg.version);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`hvae: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await command.load()).run(rest);
}

// A reader that stops early (`hvae score big.csv | head`) closes the pipe. The command still
// finishes its work (a run its log and manifest); only the output nobody reads is dropped.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Input problems are the user's to fix: a short message and exit 2, never a stack trace.
    const errno = err as NodeJS.ErrnoException;
    if (err instanceof InputError) {
      console.error(`hvae: ${err.message}`);
      process.exitCode = 2;
    } else if (err instanceof IoError) {
      // The disk, not the input nor hvae: what could not be written and where (exit 4).
      console.error(`hvae: ${err.message}`);
      process.exitCode = 4;
    } else if (errno && typeof errno.code === "string" && DISK_ERROR_CODES.has(errno.code) && typeof errno.syscall === "string") {
      console.error(`hvae: ${errno.code === "ENOSPC" ? "disk full" : errno.code}: ${errno.syscall} ${errno.path ?? ""} failed`.trimEnd());
      process.exitCode = 4;
    } else {
      console.error(`hvae: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exitCode = 1;
    }
  },
);
