/**
 * The server against psql (libpq), PostgreSQL's own client: its output is compared with a golden
 * file, so a change in what the server sends shows up as a diff of what a user sees.
 *
 * Rewrite the golden file: ALOPEX_PGWIRE_REWRITE_PSQL=1 npx vitest run src/api/pgwire/psql.test.ts
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE_PASSWORD, makeSelfSignedCert, startTestServer, type TestServer } from "./testing/test-server.js";

const PSQL = "/usr/bin/psql";
const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata", "psql.golden");
const REWRITE = process.env["ALOPEX_PGWIRE_REWRITE_PSQL"] === "1";

interface PsqlRun {
  readonly args: readonly string[];
  readonly stdin?: string;
  readonly env?: Readonly<Record<string, string>>;
}

interface PsqlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function psqlEnv(port: number, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    LC_ALL: "C.UTF-8",
    PGHOST: "127.0.0.1",
    PGPORT: String(port),
    PGUSER: "alice",
    PGDATABASE: "db",
    PGPASSWORD: ALICE_PASSWORD,
    PGSSLMODE: "disable",
    PGCONNECT_TIMEOUT: "5",
    ...extra,
  };
}

function runPsql(port: number, run: PsqlRun): Promise<PsqlResult> {
  return new Promise((resolve) => {
    const child = execFile(PSQL, ["-X", ...run.args], { env: psqlEnv(port, run.env), timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(run.stdin ?? "");
  });
}

/** The port changes from run to run; everything else must not. */
function normalise(text: string, port: number): string {
  return text.replaceAll(`port ${port}`, "port <port>");
}

const CASES: readonly { name: string; run: PsqlRun }[] = [
  { name: "a table of typed columns", run: { args: ["-c", "SELECT * FROM things"] } },
  { name: "unaligned output", run: { args: ["-A", "-t", "-F", "|", "-c", "SELECT * FROM things"] } },
  { name: "an error with a position", run: { args: ["-c", "SELECT boom"] } },
  { name: "a notice", run: { args: ["-c", "CREATE TABLE IF NOT EXISTS t (a int)"] } },
  { name: "COPY FROM STDIN", run: { args: ["-c", "COPY sink FROM STDIN"], stdin: "one\ntwo\nthree\n" } },
  { name: "COPY TO STDOUT as CSV", run: { args: ["-c", "COPY things TO STDOUT WITH (FORMAT csv)"] } },
  { name: "a script with a failed transaction", run: { args: [], stdin: "BEGIN;\nSELECT boom;\nSELECT 1;\nROLLBACK;\nSELECT generate_series(1, 3);\n" } },
  { name: "ON_ERROR_STOP", run: { args: ["-v", "ON_ERROR_STOP=1"], stdin: "SELECT 1;\nSELECT boom;\nSELECT 2;\n" } },
  { name: "a wrong password", run: { args: ["-c", "SELECT 1"], env: { PGPASSWORD: "wrong" } } },
  { name: "an unknown user", run: { args: ["-c", "SELECT 1"], env: { PGUSER: "mallory" } } },
  { name: "a role that may not log in", run: { args: ["-c", "SELECT 1"], env: { PGUSER: "carol" } } },
  { name: "an unknown database", run: { args: ["-c", "SELECT 1"], env: { PGDATABASE: "nowhere" } } },
];

function format(name: string, r: PsqlResult, port: number): string {
  return [`## ${name}`, `exit ${r.code}`, "-- stdout", normalise(r.stdout, port).trimEnd(), "-- stderr", normalise(r.stderr, port).trimEnd()].join("\n").trimEnd();
}

function parseGolden(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of text.split(/^(?=## )/m)) {
    const name = /^## (.*)$/m.exec(block)?.[1];
    if (name !== undefined) out.set(name, block.trimEnd());
  }
  return out;
}

describe.skipIf(!fs.existsSync(PSQL))("psql", () => {
  let t: TestServer;
  const recorded: string[] = [];
  let golden = new Map<string, string>();
  beforeAll(async () => {
    t = await startTestServer({ auth: "scram-sha-256" });
    if (!REWRITE) golden = parseGolden(fs.readFileSync(GOLDEN, "utf8"));
  });
  afterAll(async () => {
    await t.close();
    if (REWRITE) fs.writeFileSync(GOLDEN, recorded.join("\n\n") + "\n");
  });

  it.each(CASES.map((c) => [c.name, c.run] as const))("%s", async (name, run) => {
    const text = format(name, await runPsql(t.port, run), t.port);
    if (REWRITE) recorded.push(text);
    else expect(text).toBe(golden.get(name));
  });

  it("stored what COPY FROM STDIN sent", () => {
    expect(t.db.sink).toEqual(["one", "two", "three"]);
  });

  it("cancels a running statement on Ctrl-C (CancelRequest)", async () => {
    const child = spawn(PSQL, ["-X", "-c", "SELECT pg_sleep(30)"], { env: psqlEnv(t.port) });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain("ERROR:  canceling statement due to user request");
  });
});

describe.skipIf(!fs.existsSync(PSQL))("psql over TLS", () => {
  let cert: ReturnType<typeof makeSelfSignedCert>;
  let t: TestServer;
  beforeAll(async () => {
    cert = makeSelfSignedCert();
    t = await startTestServer({ auth: "scram-sha-256", tls: { cert: cert.cert, key: cert.key }, requireTls: true });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(cert.dir, { recursive: true, force: true });
  });

  it("connects with sslmode=require", async () => {
    const r = await runPsql(t.port, { args: ["-A", "-t", "-c", "SELECT 1"], env: { PGSSLMODE: "require" } });
    expect(r).toEqual({ code: 0, stdout: "1\n", stderr: "" });
  });

  it("verifies the server certificate with sslmode=verify-full", async () => {
    const root = path.join(cert.dir, "cert.pem");
    const r = await runPsql(t.port, { args: ["-A", "-t", "-c", "SELECT 1"], env: { PGSSLMODE: "verify-full", PGSSLROOTCERT: root, PGHOST: "localhost" } });
    expect(r).toEqual({ code: 0, stdout: "1\n", stderr: "" });
  });

  it("is refused without TLS", async () => {
    const r = await runPsql(t.port, { args: ["-c", "SELECT 1"], env: { PGSSLMODE: "disable" } });
    expect(r.code).toBe(2);
    expect(normalise(r.stderr, t.port)).toBe(
      'psql: error: connection to server at "127.0.0.1", port <port> failed: FATAL:  no pg_hba.conf entry for host "127.0.0.1", user "alice", database "db", no encryption\n',
    );
  });
});
