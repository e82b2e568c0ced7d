/**
 * `hvae view <runDir | runsDir> [--port N] [--no-open]`: serves the viewer on 127.0.0.1 and
 * prints its address as one line; opens the browser (xdg-open, when there is one) unless
 * --no-open. Runs until interrupted.
 *
 * @example
 * // hvae view runs --port 0 --no-open
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { InputError } from "../../core/errors.ts";
import { startViewer } from "../../view/server.ts";
import { intFlag, parseFlags } from "../args.ts";

const USAGE = "hvae view <runDir | runsDir> [--port N] [--no-open]";

/** Opens a URL with xdg-open when it is on PATH; a machine without one just reads the printed address. */
function openBrowser(url: string): void {
  const opener = (process.env.PATH ?? "").split(delimiter).map((d) => join(d, "xdg-open")).find((p) => existsSync(p));
  if (!opener) {
    process.stderr.write("hvae: no xdg-open here: open the address above in a browser\n");
    return;
  }
  const child = spawn(opener, [url], { stdio: "ignore", detached: true });
  child.on("error", () => process.stderr.write("hvae: could not start a browser: open the address above\n"));
  child.unref();
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { port: { type: "string" }, "no-open": { type: "boolean" } }, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}\n\nPages: / (runs), /run/<runId>/, /run/<runId>/agent/<agentId>, /decision/<decisionId>, /search?q=…`);
    return 0;
  }
  if (positionals.length !== 1) throw new InputError(`expected one run directory or folder of runs\nusage: ${USAGE}`);
  const port = intFlag("port", values.port) ?? 8737;
  if (port < 0 || port > 65535) throw new InputError(`--port: expected 0–65535, got ${port}`);
  const viewer = await startViewer({ target: positionals[0], port, log: (l) => process.stderr.write(`${l}\n`) });
  console.log(viewer.url);
  if (!values["no-open"]) openBrowser(viewer.url);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void viewer.close().then(done);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}
