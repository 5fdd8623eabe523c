import { spawn } from "node:child_process";

/**
 * Runs a TypeScript child process that prints "ready" once it is working, kills it with SIGKILL
 * `killAfterMs` later, and hands every other stdout line to `onLine` as it arrives (what the
 * child reports it acknowledged). Resolves when the child is gone; a child that exits on its own
 * with a failure rejects with its stderr, prefixed by `context` (the seed to rerun).
 */
export function runChildUntilKilled(
  script: string,
  args: readonly string[],
  killAfterMs: number,
  onLine: (line: string) => void,
  context: string,
): Promise<{ readonly killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let buf = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === "ready") setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        else onLine(line);
      }
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL" && code !== 0) reject(new Error(`${context}: crash child failed (code ${code}): ${stderr}`));
      else resolve({ killed: signal === "SIGKILL" });
    });
  });
}
