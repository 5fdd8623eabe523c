/**
 * A real server (every listener on 127.0.0.1, free ports) inside the test process, on a fresh
 * temporary data directory, for tests that talk to the APIs over sockets.
 */
import { pino, type Logger } from "pino";
import { serverConfigSchema, type ServerConfigInput } from "../../config/server-config.js";
import { makeTempDir, removeTempDir } from "../../storage/testing/temp-dir.js";
import { AlopexServer, type ListeningPorts } from "../alopex-server.js";

export interface InProcessServer {
  readonly server: AlopexServer;
  readonly ports: ListeningPorts;
  readonly dataDir: string;
  /** Drains and stops; removes the data directory if it was made here. */
  stop(): Promise<void>;
}

/**
 * `overrides` are config keys as in a config file; ports and host are set here, and the data
 * directory unless given. The log is silent unless a logger is passed.
 */
export async function startInProcessServer(overrides: Omit<ServerConfigInput, "ports" | "listen_host"> = {}, logger: Logger = pino({ level: "silent" })): Promise<InProcessServer> {
  const dataDir = overrides.data_dir ?? makeTempDir("alopex-server-");
  const config = serverConfigSchema.parse({
    ...overrides,
    data_dir: dataDir,
    listen_host: "127.0.0.1",
    ports: { pgwire: 0, rest: 0, grpc: 0, admin: 0 },
    storage: { wal_sync: "none", ...overrides.storage },
    shutdown: { drain_timeout_ms: 2000, ...overrides.shutdown },
  });
  const server = await AlopexServer.start(config, logger);
  return {
    server,
    ports: server.ports,
    dataDir,
    async stop() {
      await server.shutdown();
      if (overrides.data_dir === undefined) removeTempDir(dataDir);
    },
  };
}
