/**
 * The wire server over the real SQL engine (SqlEngine sessions on a TxnStore in a temporary
 * directory), driven by the pg driver and psql: the path a user takes end to end.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../storage/testing/temp-dir.js";
import { SqlEngine } from "../../sql/engine.js";
import { TxnStore } from "../../txn/txn-store.js";
import { PgServer } from "./server.js";
import { encodeMessage } from "./testing/frontend-encoder.js";
import { RawClient, types } from "./testing/raw-client.js";
import { summarize } from "./testing/summarize.js";
import { ALICE_PASSWORD, ROLES } from "./testing/test-server.js";

describe("pgwire over the SQL engine", () => {
  let dir: string;
  let store: TxnStore;
  let server: PgServer;
  let port: number;
  let client: pg.Client;

  beforeAll(async () => {
    dir = makeTempDir("alopex-pgwire-");
    store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
    const engine = new SqlEngine(store);
    server = new PgServer({
      host: "127.0.0.1",
      port: 0,
      auth: "scram-sha-256",
      lookupRole: async (name) => ROLES[name],
      sessionFactory: async ({ user, database, parameters }) => engine.session({ user, database, settings: Object.fromEntries(parameters) }),
    });
    port = await server.listen();
    client = new pg.Client({ host: "127.0.0.1", port, user: "alice", password: ALICE_PASSWORD, database: "db", application_name: "real" });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await server?.close();
    await store?.close();
    removeTempDir(dir);
  });

  it("creates a table, inserts with parameters and reads back typed values", async () => {
    await client.query("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), seen timestamptz)");
    const insert = await client.query("INSERT INTO items VALUES ($1, $2, $3, $4), ($5, $6, NULL, NULL)", [1, "apple", "1.50", "2024-02-29T12:00:00Z", 2, "pear"]);
    expect(insert.rowCount).toBe(2);
    const r = await client.query("SELECT id, name, price, seen FROM items WHERE id >= $1 ORDER BY id", [1]);
    expect(r.rows).toEqual([
      { id: 1, name: "apple", price: "1.50", seen: new Date("2024-02-29T12:00:00Z") },
      { id: 2, name: "pear", price: null, seen: null },
    ]);
    expect(r.fields.map((f) => f.dataTypeID)).toEqual([23, 25, 1700, 1184]);
  });

  it("reports constraint violations and syntax errors as PostgreSQL does", async () => {
    const dup = await client.query("INSERT INTO items VALUES (1, 'again')").catch((e: pg.DatabaseError) => e);
    expect(dup).toMatchObject({ code: "23505" });
    const syntax = await client.query("SELECT FROM WHERE").catch((e: pg.DatabaseError) => e);
    expect(syntax).toMatchObject({ code: "42601" });
    expect((syntax as pg.DatabaseError).position).toBeDefined();
    expect((await client.query("SELECT count(*) AS n FROM items")).rows).toEqual([{ n: "2" }]);
  });

  it("follows transaction blocks", async () => {
    await client.query("BEGIN");
    await client.query("INSERT INTO items VALUES (3, 'plum')");
    await client.query("ROLLBACK");
    expect((await client.query("SELECT count(*) AS n FROM items")).rows).toEqual([{ n: "2" }]);
    await client.query("BEGIN");
    await client.query("INSERT INTO items VALUES (3, 'plum')");
    await client.query("COMMIT");
    expect((await client.query("SELECT count(*) AS n FROM items")).rows).toEqual([{ n: "3" }]);
  });

  it("suspends and resumes a portal", async () => {
    const { client: raw } = await RawClient.startupScram(port, { user: "alice", database: "db" }, ALICE_PASSWORD);
    raw.write(
      Buffer.concat(
        [
          { kind: "Parse" as const, name: "", sql: "SELECT id FROM items ORDER BY id", paramTypeOids: [] },
          { kind: "Bind" as const, portal: "", statement: "", paramFormats: [], params: [], resultFormats: [] },
          { kind: "Execute" as const, portal: "", maxRows: 2 },
          { kind: "Execute" as const, portal: "", maxRows: 2 },
          { kind: "Sync" as const },
        ].map(encodeMessage),
      ),
    );
    expect((await raw.readUntil("Z")).map(summarize)).toEqual([
      "ParseComplete",
      "BindComplete",
      'DataRow "1"',
      'DataRow "2"',
      "PortalSuspended",
      'DataRow "3"',
      "CommandComplete SELECT 1",
      "ReadyForQuery I",
    ]);
    raw.close();
  });

  it("reports a changed setting with ParameterStatus", async () => {
    const { client: raw } = await RawClient.startupScram(port, { user: "alice", database: "db" }, ALICE_PASSWORD);
    raw.send({ kind: "Query", sql: "SET application_name = 'renamed'" });
    const got = await raw.readUntil("Z");
    expect(types(got)).toBe("CSZ");
    expect(summarize(got[1]!)).toBe("ParameterStatus application_name=renamed");
    raw.close();
  });

  it.skipIf(!fs.existsSync("/usr/bin/psql"))("serves psql", async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        "/usr/bin/psql",
        ["-X", "-A", "-t", "-c", "SELECT id, name FROM items ORDER BY id"],
        { env: { PATH: "/usr/bin:/bin", LC_ALL: "C.UTF-8", PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: "alice", PGDATABASE: "db", PGPASSWORD: ALICE_PASSWORD, PGSSLMODE: "disable" } },
        (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout)),
      ),
    );
    expect(out).toBe("1|apple\n2|pear\n3|plum\n");
  });
});
