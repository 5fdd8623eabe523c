/**
 * The pieces REST and gRPC share: SQLSTATE → status mapping, the vector search statement,
 * SQL values as JSON, and Basic authentication against SCRAM verifiers.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { SqlStateError } from "../common/sqlstate-error.js";
import { parseText, type SqlType } from "../sql/types/index.js";
import { errorFieldsOf, grpcStatusOf, httpStatusOf } from "./error-mapping.js";
import { toJsonValue } from "./json-values.js";
import { makeScramVerifier } from "./pgwire/index.js";
import { BasicAuthenticator, bootstrapSuperuser, trustLookup } from "./roles.js";
import { quoteIdent, vectorSearchSql } from "./vector-search-sql.js";
import type { Role } from "../sql/catalog/index.js";

describe("SQLSTATE to HTTP and gRPC status", () => {
  it.each<[string, number, GrpcStatus]>([
    ["42601", 400, GrpcStatus.INVALID_ARGUMENT],
    ["42703", 400, GrpcStatus.INVALID_ARGUMENT],
    ["22P02", 400, GrpcStatus.INVALID_ARGUMENT],
    ["42P01", 404, GrpcStatus.NOT_FOUND],
    ["42704", 404, GrpcStatus.NOT_FOUND],
    ["23505", 409, GrpcStatus.ALREADY_EXISTS],
    ["23502", 409, GrpcStatus.FAILED_PRECONDITION],
    ["40001", 409, GrpcStatus.ABORTED],
    ["40P01", 409, GrpcStatus.ABORTED],
    ["25P02", 409, GrpcStatus.FAILED_PRECONDITION],
    ["28P01", 401, GrpcStatus.UNAUTHENTICATED],
    ["42501", 403, GrpcStatus.PERMISSION_DENIED],
    ["57014", 408, GrpcStatus.CANCELLED],
    ["57P01", 503, GrpcStatus.UNAVAILABLE],
    ["53300", 503, GrpcStatus.RESOURCE_EXHAUSTED],
    ["54000", 413, GrpcStatus.RESOURCE_EXHAUSTED],
    ["0A000", 501, GrpcStatus.UNIMPLEMENTED],
    ["08003", 400, GrpcStatus.NOT_FOUND],
    ["XX001", 500, GrpcStatus.INTERNAL],
    ["58030", 500, GrpcStatus.INTERNAL],
    ["P0001", 500, GrpcStatus.UNKNOWN],
  ])("%s is HTTP %i and gRPC %i", (sqlstate, http, grpc) => {
    expect(httpStatusOf(sqlstate)).toBe(http);
    expect(grpcStatusOf(sqlstate)).toBe(grpc);
  });

  it("keeps detail and hint, and calls errors without a SQLSTATE internal", () => {
    expect(errorFieldsOf(new SqlStateError("m", "23505", { detail: "d", hint: "h" }))).toEqual({ sqlstate: "23505", message: "m", detail: "d", hint: "h" });
    expect(errorFieldsOf(new TypeError("boom"))).toEqual({ sqlstate: "XX000", message: "boom" });
  });
});

describe("vector search statement", () => {
  it("quotes names, passes values as parameters and picks the metric's operator", () => {
    expect(vectorSearchSql({ table: "docs", column: "emb", vector: [1, 2], k: 5 })).toEqual({
      sql: 'SELECT *, "emb" <-> $1 AS "_distance" FROM "docs" ORDER BY "emb" <-> $1 LIMIT 5',
      params: [[1, 2]],
    });
    expect(vectorSearchSql({ table: 'we"ird', column: "e", vector: [1], k: 1, metric: "cosine", filter: { kind: "a", gone: null, n: 3 }, columns: ["id", "kind"] })).toEqual({
      sql: 'SELECT "id", "kind", "e" <=> $1 AS "_distance" FROM "we""ird" WHERE "kind" = $2 AND "gone" IS NULL AND "n" = $3 ORDER BY "e" <=> $1 LIMIT 1',
      params: [[1], "a", 3],
    });
    expect(vectorSearchSql({ table: "t", column: "e", vector: [1], k: 2, metric: "inner" }).sql).toContain('"e" <#> $1');
  });

  it.each<[string, Parameters<typeof vectorSearchSql>[0], string]>([
    ["k = 0", { table: "t", column: "e", vector: [1], k: 0 }, "22023"],
    ["k past the bound", { table: "t", column: "e", vector: [1], k: 10_001 }, "22023"],
    ["an empty vector", { table: "t", column: "e", vector: [], k: 1 }, "22000"],
    ["an unknown metric", { table: "t", column: "e", vector: [1], k: 1, metric: "manhattan" as "l2" }, "22023"],
    ["an empty name", { table: "", column: "e", vector: [1], k: 1 }, "42602"],
  ])("rejects %s", (_name, req, sqlstate) => {
    expect(() => vectorSearchSql(req)).toThrow(expect.objectContaining({ sqlstate }));
  });

  it("quotes identifiers as PostgreSQL reads them", () => {
    expect(quoteIdent("Mixed Case")).toBe('"Mixed Case"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
  });
});

describe("SQL values as JSON", () => {
  const json = (text: string, t: SqlType) => toJsonValue(parseText(text, t), t);
  it.each<[string, SqlType, unknown]>([
    ["9223372036854775807", { kind: "int8" }, "9223372036854775807"],
    ["-32768", { kind: "int2" }, -32768],
    ["2147483647", { kind: "int4" }, 2147483647],
    ["1.10", { kind: "numeric" }, "1.10"],
    ["0.1", { kind: "float8" }, 0.1],
    ["-Infinity", { kind: "float8" }, "-Infinity"],
    ["NaN", { kind: "float4" }, "NaN"],
    ["\\x00ff", { kind: "bytea" }, "\\x00ff"],
    ['{"b": 1, "a": [true, null]}', { kind: "jsonb" }, { a: [true, null], b: 1 }],
    ['{"x": 1.50}', { kind: "json" }, { x: 1.5 }],
    ["[1,2.5]", { kind: "vector", metric: "l2" }, [1, 2.5]],
    ["2024-02-29", { kind: "date" }, "2024-02-29"],
    ["t", { kind: "bool" }, true],
  ])("%s as %j", (text, t, expected) => {
    expect(json(text, t)).toEqual(expected);
  });

  it("gives null for NULL whatever the type", () => {
    expect(toJsonValue(null, { kind: "int8" })).toBeNull();
    expect(toJsonValue(null, { kind: "jsonb" })).toBeNull();
  });
});

describe("Basic authentication", () => {
  const verifier = makeScramVerifier("pw", Buffer.alloc(16, 1), 16);
  const roles: Record<string, Role> = {
    ann: { name: "ann", login: true, superuser: false, passwordScram: verifier },
    nologin: { name: "nologin", login: false, superuser: false, passwordScram: verifier },
    nopass: { name: "nopass", login: true, superuser: false },
  };
  const lookup = async (name: string) => roles[name];
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

  it("checks the password against the role's SCRAM verifier", async () => {
    const auth = new BasicAuthenticator("scram-sha-256", lookup, "ann");
    expect(await auth.authenticate(basic("ann", "pw"))).toBe("ann");
    expect(await auth.authenticate(basic("ann", "pw"))).toBe("ann");
    await expect(auth.authenticate(basic("ann", "PW"))).rejects.toMatchObject({ sqlstate: "28P01" });
    await expect(auth.authenticate(basic("ghost", "pw"))).rejects.toMatchObject({ sqlstate: "28P01" });
    await expect(auth.authenticate(basic("nopass", ""))).rejects.toMatchObject({ sqlstate: "28P01" });
    await expect(auth.authenticate(basic("nologin", "pw"))).rejects.toMatchObject({ sqlstate: "28000" });
    await expect(auth.authenticate(undefined)).rejects.toMatchObject({ sqlstate: "28000" });
    await expect(auth.authenticate("Bearer abc")).rejects.toMatchObject({ sqlstate: "28000" });
  });

  it("under trust takes the user named, or the default", async () => {
    const auth = new BasicAuthenticator("trust", trustLookup(lookup), "alopex");
    expect(await auth.authenticate(undefined)).toBe("alopex");
    expect(await auth.authenticate(basic("ann", "anything"))).toBe("ann");
    expect(await trustLookup(lookup)("stranger")).toEqual({ name: "stranger", login: true, superuser: false });
  });

  it("bootstraps the superuser only when something changed", async () => {
    const stored = new Map<string, Role>();
    const store = {
      getRole: async (n: string) => stored.get(n),
      ensureRole: async (spec: Role) => {
        const role = { ...stored.get(spec.name), ...spec };
        stored.set(spec.name, role);
        return role;
      },
    };
    expect(await bootstrapSuperuser(store, "root", undefined)).toBe(true);
    expect(stored.get("root")).toEqual({ name: "root", login: true, superuser: true });
    expect(await bootstrapSuperuser(store, "root", undefined)).toBe(false);
    expect(await bootstrapSuperuser(store, "root", "one")).toBe(true);
    const first = stored.get("root")!.passwordScram;
    expect(first).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(await bootstrapSuperuser(store, "root", "one")).toBe(false);
    expect(await bootstrapSuperuser(store, "root", "two")).toBe(true);
    expect(stored.get("root")!.passwordScram).not.toBe(first);
  });
});
