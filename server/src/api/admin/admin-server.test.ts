import { afterEach, describe, expect, it } from "vitest";
import { AdminServer, type Readiness } from "./admin-server.js";

describe("AdminServer", () => {
  let admin: AdminServer | undefined;
  afterEach(() => admin?.close());

  it("answers readiness by state, health by failure, metrics as given, and nothing else", async () => {
    let state: Readiness = "starting";
    let failure: string | undefined = undefined;
    admin = new AdminServer({ readiness: () => state, unhealthy: () => failure, metrics: async () => ({ contentType: "text/plain; version=0.0.4", body: "m 1\n" }) });
    const port = await admin.listen("127.0.0.1", 0);
    const get = async (path: string, method = "GET") => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
      return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
    };
    expect(await get("/readyz")).toMatchObject({ status: 503, text: '{"status":"starting"}' });
    state = "ready";
    expect(await get("/readyz?verbose")).toMatchObject({ status: 200, text: '{"status":"ready"}' });
    state = "draining";
    expect(await get("/readyz")).toMatchObject({ status: 503, text: '{"status":"draining"}' });
    expect(await get("/healthz")).toMatchObject({ status: 200, text: '{"status":"ok"}' });
    failure = "disk full";
    expect(await get("/healthz")).toMatchObject({ status: 503, text: '{"status":"failing","reason":"disk full"}' });
    expect(await get("/metrics")).toEqual({ status: 200, type: "text/plain; version=0.0.4", text: "m 1\n" });
    expect((await get("/other")).status).toBe(404);
    expect((await get("/metrics", "POST")).status).toBe(405);
  });
});
