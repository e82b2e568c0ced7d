/**
 * Runs a TypeScript script in a fresh Node process (through tsx) and reads the JSON object it
 * prints as its last stdout line, so what the child measures (peak RSS above all) is its own.
 *
 * @example
 * const r = await runJsonChild<{ ms: number }>("bench/engine.ts", ["--decisions", "1000", "--json"]);
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..", "..");

/** Spawns `node --import tsx <script> …args`; rejects on a non-zero exit, a timeout or no JSON line. */
export function runJsonChild<T>(script: string, args: string[], timeoutMs = 600_000): Promise<T> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", resolve(root, script), ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
      killSignal: "SIGKILL",
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    child.on("error", fail);
    child.on("close", (code, signal) => {
      if (code !== 0) return fail(new Error(`${script} ${args.join(" ")} exited with ${code ?? signal}: ${err.trim().slice(-2000)}`));
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        done(JSON.parse(line) as T);
      } catch {
        fail(new Error(`${script}: expected a JSON line on stdout, got: ${line.slice(0, 200)}`));
      }
    });
  });
}
