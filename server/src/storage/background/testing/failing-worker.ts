/**
 * A background worker that fails on purpose, for the tests of what the engine does when its
 * worker thread dies or reports an error. The failure is the entry URL's `mode` parameter:
 *   exit     the thread exits mid-job
 *   throw    an uncaught exception escapes the thread
 *   enospc   the job fails as a full disk would fail it
 */
import { parentPort } from "node:worker_threads";
import type { Job, WorkerMessage } from "../jobs.js";

const mode = new URL(import.meta.url).searchParams.get("mode");
parentPort!.on("message", (job: Job) => {
  if (mode === "exit") process.exit(3);
  if (mode === "throw") {
    setTimeout(() => {
      throw new Error("injected failure in the background thread");
    }, 1);
    return;
  }
  const reply: WorkerMessage = { kind: "failed", id: job.id, error: { name: "Error", message: "ENOSPC: no space left on device, write", code: "ENOSPC" } };
  parentPort!.postMessage(reply);
});
