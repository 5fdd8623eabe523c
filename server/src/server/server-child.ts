/**
 * `alopex server` as a child process, for tests and benchmarks that need the real thing: every
 * listener on a free port, JSON logs read line by line, readiness from the "ready" log line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { ListeningPorts } from "./alopex-server.js";

/** The CLI entry (server/bin/alopex.js). */
export const ALOPEX_BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "alopex.js");

export interface ServerChildOptions {
  readonly dataDir: string;
  /** ALOPEX_* settings added to or overriding the defaults (free ports, JSON logs, sync none). */
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags placed before the script (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
}

export interface ServerChild {
  readonly child: ChildProcess;
  /** Parsed JSON log lines so far. */
  readonly lines: Record<string, unknown>[];
  stderr(): string;
  /** The bound ports; rejects if the server exits or stays silent past the timeout first. */
  readonly ready: Promise<ListeningPorts>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (a clean drain) and wait for the exit; nothing if it has exited already. */
  stop(): Promise<void>;
}

export function spawnServer(options: ServerChildOptions): ServerChild {
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ALOPEX_BIN, "--data-dir", options.dataDir, "server"], {
    env: {
      ...process.env,
      ALOPEX_PGWIRE_PORT: "0",
      ALOPEX_REST_PORT: "0",
      ALOPEX_GRPC_PORT: "0",
      ALOPEX_ADMIN_PORT: "0",
      ALOPEX_LOG_FORMAT: "json",
      ALOPEX_STORAGE_WAL_SYNC: "none",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  let partial = "";
  let onReady: (ports: ListeningPorts) => void = () => undefined;
  const ready = new Promise<ListeningPorts>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    onReady = (ports) => {
      clearTimeout(timer);
      resolve(ports);
    };
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready; stderr: ${stderr}`));
    });
  });
  // Callers that expect a failed start never await it.
  ready.catch(() => undefined);
  child.stdout!.on("data", (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split("\n");
    partial = parts.pop()!;
    for (const text of parts) {
      if (!text.startsWith("{")) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      if (line.msg === "ready") onReady(line.ports as ListeningPorts);
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    stderr: () => stderr,
    ready,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}
