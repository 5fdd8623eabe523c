import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadServerConfig } from "./load-server-config.js";
import { ConfigError } from "./storage-config.js";

describe("loadServerConfig", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "alopex-config-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it("fills the documented defaults", () => {
    const c = loadServerConfig({ env: {} });
    expect(c.listen_host).toBe("127.0.0.1");
    expect(c.ports).toEqual({ pgwire: 5432, rest: 8080, grpc: 9090, admin: 8081 });
    expect(c.auth).toEqual({ method: "trust", user: "alopex" });
    expect(c.tls.require).toBe(false);
    expect(c.limits).toEqual({ max_connections: 100, max_message_size: 64 * 1024 ** 2, statement_timeout_ms: 0, idle_in_transaction_timeout_ms: 0, auth_timeout_ms: 60_000 });
    expect(c.log).toEqual({ level: "info", format: "auto", slow_query_ms: 1000 });
    expect(c.storage.memtable_size).toBe(64 * 1024 ** 2);
    expect(c.storage.wal_sync).toBe("always");
    expect(c.data_dir).toBe(path.join(os.homedir(), ".alopex", "data"));
  });

  it("layers file < environment < flags, key by key", () => {
    const yaml = file(
      "alopex.yaml",
      ["listen_host: 0.0.0.0", "ports:", "  pgwire: 6432", "  rest: 7080", "log:", "  level: debug", "storage:", "  memtable_size: 16MB", "  wal_sync: interval"].join("\n"),
    );
    const c = loadServerConfig({
      file: yaml,
      env: { ALOPEX_REST_PORT: "7081", ALOPEX_STORAGE_WAL_SYNC: "none", ALOPEX_STORAGE_BLOOM_BITS_PER_KEY: "12", ALOPEX_SOMETHING_ELSE: "ignored" },
      flags: [{ key: "ports.rest", value: 7082, flag: "--rest-port" }],
    });
    expect(c.listen_host).toBe("0.0.0.0");
    expect(c.ports).toEqual({ pgwire: 6432, rest: 7082, grpc: 9090, admin: 8081 });
    expect(c.log.level).toBe("debug");
    expect(c.storage).toMatchObject({ memtable_size: 16 * 1024 ** 2, wal_sync: "none", bloom_bits_per_key: 12 });
  });

  it("reads JSON files and a file named by ALOPEX_CONFIG", () => {
    const json = file("c.json", JSON.stringify({ auth: { user: "root", password: "pw" }, limits: { max_message_size: "1MB" } }));
    const c = loadServerConfig({ env: { ALOPEX_CONFIG: json } });
    expect(c.auth).toEqual({ method: "scram-sha-256", user: "root", password: "pw" });
    expect(c.limits.max_message_size).toBe(1024 * 1024);
  });

  it("takes a bootstrap password from the environment and switches to SCRAM unless told otherwise", () => {
    expect(loadServerConfig({ env: { ALOPEX_PASSWORD: "s3cret" } }).auth.method).toBe("scram-sha-256");
    expect(loadServerConfig({ env: { ALOPEX_PASSWORD: "s3cret", ALOPEX_AUTH_METHOD: "trust" } }).auth.method).toBe("trust");
  });

  it("expands ~ in the data directory", () => {
    expect(loadServerConfig({ env: { ALOPEX_DATA_DIR: "~/db" } }).data_dir).toBe(path.join(os.homedir(), "db"));
  });

  it.each<[string, () => unknown, RegExp]>([
    ["a port out of range, naming the variable", () => loadServerConfig({ env: { ALOPEX_PGWIRE_PORT: "70000" } }), /ports\.pgwire \(from ALOPEX_PGWIRE_PORT\): .*65535/],
    ["a port that is not a number", () => loadServerConfig({ env: { ALOPEX_ADMIN_PORT: "http" } }), /ALOPEX_ADMIN_PORT: expected an integer, got "http"/],
    ["a bad boolean", () => loadServerConfig({ env: { ALOPEX_REQUIRE_TLS: "maybe" } }), /ALOPEX_REQUIRE_TLS: expected true or false/],
    ["an unknown auth method", () => loadServerConfig({ env: { ALOPEX_AUTH_METHOD: "md5" } }), /auth\.method \(from ALOPEX_AUTH_METHOD\): /],
    ["two listeners on one port", () => loadServerConfig({ env: {}, flags: [{ key: "ports.rest", value: 5432, flag: "--rest-port" }] }), /ports\.rest \(from --rest-port\): port 5432 is also the pgwire port/],
    ["requireTls without a certificate", () => loadServerConfig({ env: { ALOPEX_REQUIRE_TLS: "true" } }), /tls\.require \(from ALOPEX_REQUIRE_TLS\): require needs cert_file and key_file/],
    ["a bad storage size from the environment", () => loadServerConfig({ env: { ALOPEX_STORAGE_MEMTABLE_SIZE: "lots" } }), /storage\.memtable_size \(from ALOPEX_STORAGE_MEMTABLE_SIZE\): invalid size/],
    ["a misspelt storage variable", () => loadServerConfig({ env: { ALOPEX_STORAGE_MEMTABLE_SIZ: "1MB" } }), /storage\.memtable_siz \(from ALOPEX_STORAGE_MEMTABLE_SIZ\): unknown key/],
    ["a negative timeout", () => loadServerConfig({ env: {}, flags: [{ key: "limits.statement_timeout_ms", value: -1, flag: "--statement-timeout-ms" }] }), /limits\.statement_timeout_ms \(from --statement-timeout-ms\)/],
  ])("rejects %s", (_name, load, message) => {
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it("names the file for bad values in it, and points storage keys to their section", () => {
    const yaml = file("bad.yaml", "limits:\n  max_connections: 0\nmemtable_size: 1MB\n");
    expect(() => loadServerConfig({ file: yaml, env: {} })).toThrow(/limits\.max_connections \(from config file .*bad\.yaml\): /);
    expect(() => loadServerConfig({ file: yaml, env: {} })).toThrow(/memtable_size \(from config file .*bad\.yaml\): unknown key \(storage settings go under storage:\)/);
  });

  it("reports unreadable and malformed files", () => {
    expect(() => loadServerConfig({ file: path.join(dir, "missing.yaml"), env: {} })).toThrow(/cannot read config file/);
    expect(() => loadServerConfig({ file: file("x.yaml", "ports: [1, 2\n"), env: {} })).toThrow(/is not valid YAML/);
    expect(() => loadServerConfig({ file: file("x.json", "{,}"), env: {} })).toThrow(/is not valid JSON/);
    expect(() => loadServerConfig({ file: file("list.yaml", "- a\n- b\n"), env: {} })).toThrow(/must hold a mapping/);
    expect(() => loadServerConfig({ file: file("dup.yaml", "listen_host: a\nlisten_host: b\n"), env: {} })).toThrow(/not valid YAML/);
  });
});
