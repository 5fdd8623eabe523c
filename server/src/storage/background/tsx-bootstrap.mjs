// Starts a background worker thread from TypeScript source: there is no build step, so the
// worker loads its entry through tsx, as bin/alopex.js does for the command.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
