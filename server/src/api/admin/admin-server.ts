/**
 * The admin HTTP listener (default port 8081): liveness, readiness and Prometheus metrics, for
 * probes and scrapers. It starts before the database opens, so /readyz can say "starting"
 * while recovery runs. Plain node:http: three fixed routes need no framework.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Readiness = "starting" | "ready" | "draining";

export interface AdminServerOptions {
  readonly readiness: () => Readiness;
  /** undefined when healthy, else why not (e.g. the storage engine refuses writes after a failed background write). */
  readonly unhealthy: () => string | undefined;
  readonly metrics: () => Promise<{ readonly contentType: string; readonly body: string }>;
}

export class AdminServer {
  private readonly server: Server;

  constructor(private readonly options: AdminServerOptions) {
    this.server = createServer((req, res) => void this.route(req, res));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return json(res, 405, { error: "method not allowed" });
    try {
      switch (url) {
        case "/healthz": {
          const problem = this.options.unhealthy();
          return json(res, problem === undefined ? 200 : 503, problem === undefined ? { status: "ok" } : { status: "failing", reason: problem });
        }
        case "/readyz": {
          const state = this.options.readiness();
          return json(res, state === "ready" ? 200 : 503, { status: state });
        }
        case "/metrics": {
          const m = await this.options.metrics();
          res.writeHead(200, { "content-type": m.contentType });
          res.end(m.body);
          return;
        }
        default:
          return json(res, 404, { error: `no route ${url}` });
      }
    } catch (e) {
      json(res, 500, { error: e instanceof Error ? e.message : String(e) });
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
