/**
 * Real PostgreSQL clients against a real `alopex server` process (node server/bin/alopex.js,
 * free ports on 127.0.0.1, a temporary data directory): pgbench (initialisation with COPY,
 * TRUNCATE, VACUUM and ADD PRIMARY KEY; TPC-B and select-only runs in both query modes), psql's
 * describe commands against a golden file (testdata/psql-describe.golden, rewritten with
 * ALOPEX_PSQL_DESCRIBE_REWRITE=1), COPY through psql, SQL role statements with SCRAM logins,
 * and psycopg2 (Debian's python3-psycopg2, installed here with apt-get when it is missing).
 */
import { execFile, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../storage/testing/temp-dir.js";
import { spawnServer } from "../../server/server-child.js";

const run = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const GOLDEN = path.join(HERE, "testdata", "psql-describe.golden");
const PGBENCH = ["/usr/lib/postgresql/15/bin/pgbench", "/usr/bin/pgbench"].find((p) => fs.existsSync(p));
const PSQL = ["/usr/bin/psql", "/usr/lib/postgresql/15/bin/psql"].find((p) => fs.existsSync(p));
const PYTHON = "/usr/bin/python3";
const READY_TIMEOUT_MS = 30_000;

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

/** `alopex server` on a fresh data directory, pgwire on a free port; resolves when it logs "ready". */
async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const dir = makeTempDir("alopex-clients-");
  const server = spawnServer({ dataDir: dir, env, readyTimeoutMs: READY_TIMEOUT_MS });
  const { pgwire: port } = await server.ready;
  return {
    child: server.child,
    port,
    dir,
    async stop() {
      await server.stop();
      removeTempDir(dir);
    },
  };
}

/** Runs a client program; resolves with its output whatever its exit status. */
async function client(file: string, args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number; out: string; err: string }> {
  if (input !== undefined) {
    const r = spawnSync(file, args, { input, encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  }
  try {
    const r = await run(file, args, { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === "number" ? x.code : -1, out: x.stdout ?? "", err: x.stderr ?? "" };
  }
}

const PG_ENV = { PGHOST: "127.0.0.1", PGUSER: "alopex", PGDATABASE: "alopex", PGCONNECT_TIMEOUT: "10" };

describe("PostgreSQL clients against alopex server", () => {
  let server: Server;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startServer();
    env = { ...PG_ENV, PGPORT: String(server.port) };
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  const psql = (args: string[], input?: string) => client(PSQL!, ["-X", "-v", "ON_ERROR_STOP=1", ...args], env, input);

  describe.skipIf(PGBENCH === undefined)("pgbench", () => {
    const pgbench = (args: string[], extra: Record<string, string> = {}) => client(PGBENCH!, args, { ...env, ...extra });
    // PostgreSQL runs pgbench at Read Committed; Alopex's default is Snapshot, where concurrent
    // updates of one row fail with 40001 instead of waiting.
    const readCommitted = { PGOPTIONS: "-c default_transaction_isolation=read\\ committed" };

    /** The TPC-B invariant: every balance moved by exactly what the history recorded. */
    async function balances(): Promise<number[]> {
      const c = new pg.Client({ host: "127.0.0.1", port: server.port, user: "alopex", database: "alopex" });
      await c.connect();
      try {
        const r = await c.query(
          "SELECT (SELECT sum(abalance) FROM pgbench_accounts)::int8 AS a, (SELECT sum(bbalance) FROM pgbench_branches)::int8 AS b, " +
            "(SELECT sum(tbalance) FROM pgbench_tellers)::int8 AS t, (SELECT coalesce(sum(delta), 0) FROM pgbench_history)::int8 AS h",
        );
        const row = r.rows[0] as Record<string, string>;
        return [row.a, row.b, row.t, row.h].map(Number);
      } finally {
        await c.end();
      }
    }

    it("initialises scale 1 (COPY, TRUNCATE, VACUUM, ADD PRIMARY KEY)", async () => {
      const r = await pgbench(["-i", "-s", "1"]);
      expect(r.err).toMatch(/done in/);
      expect(r.code).toBe(0);
      const counts = await psql(["-At", "-c", "SELECT (SELECT count(*) FROM pgbench_accounts), (SELECT count(*) FROM pgbench_branches), (SELECT count(*) FROM pgbench_tellers)"]);
      expect(counts.out.trim()).toBe("100000|1|10");
      const pk = await psql(["-At", "-c", "SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indisprimary ORDER BY name"]);
      expect(pk.out.trim().split("\n")).toEqual(["pgbench_accounts_pkey", "pgbench_branches_pkey", "pgbench_tellers_pkey"]);
    }, 180_000);

    it.each([
      ["simple", ["-T", "2", "-c", "4"], readCommitted],
      ["prepared", ["-T", "2", "-c", "4", "-M", "prepared"], readCommitted],
      ["simple at Snapshot isolation, one client", ["-t", "50", "-c", "1"], {}],
    ] as const)("runs TPC-B (%s) without failures and keeps the balances consistent", async (_name, args, extra) => {
      const [a0, b0, t0] = await balances();
      const r = await pgbench([...args], extra);
      expect(r.err).not.toMatch(/error/i);
      expect(r.out).toMatch(/number of failed transactions: 0 \(0\.000%\)/);
      const processed = Number(/number of transactions actually processed: (\d+)/.exec(r.out)?.[1]);
      expect(processed).toBeGreaterThan(0);
      // pgbench empties the history before it starts: it holds this run's changes.
      const [a, b, t, h] = await balances();
      expect([a! - a0!, b! - b0!, t! - t0!]).toEqual([h, h, h]);
    }, 120_000);

    it.each([
      ["simple", ["-S", "-T", "2", "-c", "4"]],
      ["prepared", ["-S", "-T", "2", "-c", "4", "-M", "prepared"]],
    ])("runs select-only (%s)", async (_name, args) => {
      const r = await pgbench(args);
      expect(r.out).toMatch(/number of failed transactions: 0 \(0\.000%\)/);
      expect(Number(/tps = ([\d.]+)/.exec(r.out)?.[1])).toBeGreaterThan(0);
    }, 120_000);
  });

  describe.skipIf(PSQL === undefined)("psql", () => {
    it("runs COPY in text and CSV both ways, and names the failing line", async () => {
      await psql(["-c", "CREATE TABLE copied (a int PRIMARY KEY, b text, c numeric CHECK (c >= 0))"]);
      const load = await psql(["-c", "COPY copied FROM STDIN WITH (FORMAT csv, HEADER)"], 'a,b,c\n1,"x, y",1.5\n2,,0\n3,"multi\nline",2\n');
      expect(load.out.trim()).toBe("COPY 3");
      const text = await psql(["-c", "COPY copied (a, b) TO STDOUT"]);
      expect(text.out).toBe("1\tx, y\n2\t\\N\n3\tmulti\\nline\n");
      const csv = await psql(["-c", "COPY (SELECT a, c FROM copied WHERE a > 1 ORDER BY a) TO STDOUT WITH (FORMAT csv, HEADER)"]);
      expect(csv.out).toBe("a,c\n2,0\n3,2\n");
      const bad = await psql(["-c", "COPY copied FROM STDIN"], "4\tok\t1\n5\tbad\t-1\n");
      expect(bad.err).toMatch(/ERROR: {2}new row for relation "copied" violates check constraint "copied_c_check"/);
      expect(bad.err).toMatch(/CONTEXT: {2}COPY copied, line 2: "5\tbad\t-1"/);
      const count = await psql(["-At", "-c", "SELECT count(*) FROM copied"]);
      expect(count.out.trim()).toBe("3");
    }, 60_000);
  });

  describe("psycopg2", () => {
    let available = false;

    beforeAll(() => {
      const probe = () => spawnSync(PYTHON, ["-c", "import psycopg2"], { encoding: "utf8" }).status === 0;
      available = fs.existsSync(PYTHON) && probe();
      if (!available && fs.existsSync("/usr/bin/apt-get") && process.getuid?.() === 0) {
        spawnSync("apt-get", ["install", "-y", "-q", "python3-psycopg2"], { encoding: "utf8", timeout: 300_000 });
        available = probe();
      }
      if (!available) console.warn("psycopg2 tests skipped: python3-psycopg2 is not installed and apt-get could not install it");
    }, 320_000);

    it("connects, runs parameterised queries and transactions, and reports errors", async (ctx) => {
      if (!available) return ctx.skip();
      const script = `
import json, psycopg2, sys
out = {}
conn = psycopg2.connect(host="127.0.0.1", port=${server.port}, user="alopex", dbname="alopex")
out["server_version"] = conn.server_version
cur = conn.cursor()
cur.execute("CREATE TABLE py (id int PRIMARY KEY, name text, score numeric(6,2), seen timestamptz)")
cur.execute("INSERT INTO py VALUES (%s, %s, %s, %s)", (1, "it's", 12.5, "2024-05-01 10:00:00+00"))
cur.executemany("INSERT INTO py (id, name) VALUES (%s, %s)", [(2, "b"), (3, None)])
conn.commit()
cur.execute("SELECT id, name, score, seen FROM py WHERE id = %(id)s", {"id": 1})
row = cur.fetchone()
out["row"] = [row[0], row[1], str(row[2]), row[3].isoformat()]
cur.execute("INSERT INTO py VALUES (4, 'rolled back')")
conn.rollback()
cur.execute("SELECT count(*) FROM py")
out["count"] = cur.fetchone()[0]
try:
    cur.execute("INSERT INTO py VALUES (1, 'dup')")
except psycopg2.Error as e:
    out["error"] = [e.pgcode, e.diag.message_primary]
    conn.rollback()
cur.execute("SELECT current_user, current_database(), current_setting('server_version_num')")
out["session"] = list(cur.fetchone())
conn.commit()
conn.autocommit = True
cur.execute("SELECT name FROM py ORDER BY id")
out["names"] = [r[0] for r in cur.fetchall()]
conn.close()
print(json.dumps(out))
`;
      const r = await client(PYTHON, ["-c", script]);
      expect(r.err).toBe("");
      expect(JSON.parse(r.out)).toEqual({
        server_version: 150000,
        row: [1, "it's", "12.50", "2024-05-01T10:00:00+00:00"],
        count: 3,
        error: ["23505", 'duplicate key value violates unique constraint "py_pkey"'],
        session: ["alopex", "alopex", "150000"],
        names: ["it's", "b", null],
      });
    }, 60_000);
  });
});

describe.skipIf(PSQL === undefined)("psql describe commands", () => {
  let server: Server;

  beforeAll(async () => {
    server = await startServer();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  const psql = (args: string[]) => client(PSQL!, ["-X", "-v", "ON_ERROR_STOP=1", ...args], { ...PG_ENV, PGPORT: String(server.port) });

  it("describes tables, indexes, views, databases, roles and schemas as the golden file says", async () => {
    const setup = await psql([
      "-c",
      "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', price numeric(10,2) CHECK (price > 0), tags varchar(20))",
      "-c",
      "CREATE INDEX items_name ON items (name DESC)",
      "-c",
      "CREATE TABLE notes (n serial, body text UNIQUE, at timestamptz)",
      "-c",
      "CREATE ROLE reader LOGIN",
      "-c",
      "CREATE VIEW cheap (id, label) AS SELECT id, name FROM items WHERE price < 10",
    ]);
    expect(setup.err).toBe("");
    const commands = ["\\d", "\\dt", "\\di", "\\ds", "\\dv", "\\l", "\\du", "\\dn", "\\d items", "\\d notes", "\\d items_name", "\\d cheap", "\\d+ cheap"];
    let text = "";
    for (const c of commands) {
      const r = await psql(["-c", c]);
      text += `=== ${c}\n${r.out}${r.err ? `stderr: ${r.err}` : ""}`;
    }
    if (process.env.ALOPEX_PSQL_DESCRIBE_REWRITE) fs.writeFileSync(GOLDEN, text);
    expect(text).toBe(fs.readFileSync(GOLDEN, "utf8"));
  }, 60_000);
});

describe("SQL roles with SCRAM logins", () => {
  let server: Server;

  beforeAll(async () => {
    server = await startServer({ ALOPEX_PASSWORD: "boot-secret" });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  const connect = async (user: string, password: string): Promise<pg.Client> => {
    const c = new pg.Client({ host: "127.0.0.1", port: server.port, user, password, database: "alopex" });
    await c.connect();
    return c;
  };
  const loginError = (user: string, password: string) =>
    connect(user, password).then(
      async (c) => {
        await c.end();
        return undefined;
      },
      (e: { code?: string }) => e.code,
    );

  it("creates, alters and drops roles whose passwords log in", async () => {
    const admin = await connect("alopex", "boot-secret");
    try {
      await admin.query("CREATE USER bob PASSWORD 'first'");
      await admin.query("CREATE ROLE nologin_role PASSWORD 'x'");
      const stored = await admin.query("SELECT rolname, rolcanlogin, rolpassword LIKE 'SCRAM-SHA-256$4096:%' AS scram FROM pg_authid WHERE rolname IN ('bob', 'nologin_role') ORDER BY 1");
      expect(stored.rows).toEqual([
        { rolname: "bob", rolcanlogin: true, scram: true },
        { rolname: "nologin_role", rolcanlogin: false, scram: true },
      ]);
      const bob = await connect("bob", "first");
      expect((await bob.query("SELECT current_user AS u")).rows).toEqual([{ u: "bob" }]);
      // pg_backend_pid() is the process id BackendKeyData gave the client.
      const pid = (bob as unknown as { processID: number }).processID;
      expect((await bob.query("SELECT pg_backend_pid() AS p, (SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid())::int AS n")).rows).toEqual([{ p: pid, n: 1 }]);
      await bob.end();
      expect(await loginError("nologin_role", "x")).toBe("28000");

      await admin.query("ALTER ROLE bob PASSWORD 'second'");
      expect(await loginError("bob", "first")).toBe("28P01");
      await (await connect("bob", "second")).end();

      const dup = await admin.query("CREATE ROLE bob").catch((e: { code?: string; message?: string }) => e);
      expect(dup).toMatchObject({ code: "42710", message: 'role "bob" already exists' });
      expect(await admin.query("DROP ROLE alopex").catch((e: { code?: string }) => e.code)).toBe("55006");
      await admin.query("DROP ROLE bob, nologin_role");
      expect(await loginError("bob", "second")).toBe("28P01");
      await admin.query("DROP ROLE IF EXISTS bob");
    } finally {
      await admin.end();
    }
  }, 60_000);
});
