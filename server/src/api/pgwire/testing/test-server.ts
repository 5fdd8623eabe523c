/**
 * A PgServer on 127.0.0.1 with an ephemeral port, driven by the scripted session, with a few
 * roles, for the wire protocol's integration tests.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Role } from "../../../sql/catalog/model.js";
import type { AuthMethod } from "../authenticate.js";
import type { PgLimits } from "../limits.js";
import { PgServer } from "../server.js";
import { ScriptedDatabase } from "./scripted-session.js";

/** Roles every test server knows. alice's verifier is one PostgreSQL 15 produced. */
export const ROLES: Readonly<Record<string, Role>> = {
  alice: {
    name: "alice",
    login: true,
    superuser: true,
    passwordScram:
      "SCRAM-SHA-256$4096:fJZbSXNIS0D1vBUTcggl6g==$VFH7kLa77Ny4F1KXAMzFmDBRNPX3u1D3cb8F/ccAwHA=:WlqsSYOL/uveYA1F2ckdrIba1dl+L+R5Vjw5GE7ndDI=",
  },
  /** No password: password authentication always fails. */
  bob: { name: "bob", login: true, superuser: false },
  /** Cannot log in. */
  carol: {
    name: "carol",
    login: false,
    superuser: false,
    passwordScram:
      "SCRAM-SHA-256$4096:fJZbSXNIS0D1vBUTcggl6g==$VFH7kLa77Ny4F1KXAMzFmDBRNPX3u1D3cb8F/ccAwHA=:WlqsSYOL/uveYA1F2ckdrIba1dl+L+R5Vjw5GE7ndDI=",
  },
};
export const ALICE_PASSWORD = "correct horse battery staple";

export interface TestServer {
  readonly server: PgServer;
  readonly port: number;
  readonly db: ScriptedDatabase;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly auth?: AuthMethod;
  readonly tls?: { cert: string; key: string };
  readonly requireTls?: boolean;
  readonly limits?: Partial<PgLimits>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const db = new ScriptedDatabase();
  const server = new PgServer({
    host: "127.0.0.1",
    port: 0,
    sessionFactory: db.factory,
    lookupRole: async (name) => ROLES[name],
    auth: options.auth ?? "trust",
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.requireTls !== undefined ? { requireTls: options.requireTls } : {}),
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
  });
  const port = await server.listen();
  return { server, port, db, close: () => server.close() };
}

/** A self-signed certificate for localhost in a temporary directory (openssl must be installed). */
export function makeSelfSignedCert(): { cert: string; key: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alopex-tls-"));
  const keyPath = path.join(dir, "key.pem");
  const certPath = path.join(dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1", "-keyout", keyPath, "-out", certPath], {
    stdio: "ignore",
  });
  return { cert: fs.readFileSync(certPath, "utf8"), key: fs.readFileSync(keyPath, "utf8"), dir };
}
