/**
 * A server with a certificate: pgwire negotiates TLS (and with `require` refuses plain
 * connections), REST and gRPC serve TLS only, the admin port stays plain HTTP for probes.
 */
import * as https from "node:https";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTO_LOADER_OPTIONS, PROTO_PATH } from "../api/grpc/grpc-server.js";
import { makeSelfSignedCert } from "../api/pgwire/testing/test-server.js";
import { removeTempDir } from "../storage/testing/temp-dir.js";
import { startInProcessServer, type InProcessServer } from "./testing/in-process-server.js";

describe("server with TLS", () => {
  let s: InProcessServer;
  let tls: ReturnType<typeof makeSelfSignedCert>;

  beforeAll(async () => {
    tls = makeSelfSignedCert();
    s = await startInProcessServer({ tls: { cert_file: path.join(tls.dir, "cert.pem"), key_file: path.join(tls.dir, "key.pem"), require: true } });
  });
  afterAll(async () => {
    await s?.stop();
    removeTempDir(tls.dir);
  });

  it("speaks TLS on pgwire, REST and gRPC and refuses plain pgwire", async () => {
    const secure = new pg.Client({ host: "localhost", port: s.ports.pgwire, user: "alopex", database: "alopex", ssl: { ca: tls.cert } });
    await secure.connect();
    expect((await secure.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await secure.end();
    const plain = new pg.Client({ host: "127.0.0.1", port: s.ports.pgwire, user: "alopex", database: "alopex" });
    await expect(plain.connect()).rejects.toMatchObject({ code: "28000" });

    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request({ host: "localhost", port: s.ports.rest, path: "/v1/sql", method: "POST", ca: tls.cert, headers: { "content-type": "application/json" } }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ sql: "SELECT 2 AS two" }));
    });
    expect(JSON.parse(body)).toMatchObject({ rows: [[2]] });
    await expect(fetch(`http://127.0.0.1:${s.ports.rest}/v1/openapi.json`)).rejects.toThrow();

    const { alopex } = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_PATH, PROTO_LOADER_OPTIONS)) as unknown as {
      alopex: { v1: { Alopex: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client & { KvGet(req: unknown, cb: (e: grpc.ServiceError | null, res: unknown) => void): void } } };
    };
    const client = new alopex.v1.Alopex(`localhost:${s.ports.grpc}`, grpc.credentials.createSsl(Buffer.from(tls.cert)));
    const answer = await new Promise((resolve, reject) => client.KvGet({ key: Buffer.from("k") }, (e, res) => (e ? reject(e) : resolve(res))));
    expect(answer).toEqual({ found: false, value: Buffer.alloc(0) });
    client.close();

    expect((await fetch(`http://127.0.0.1:${s.ports.admin}/readyz`)).status).toBe(200);
  });
});
