/**
 * CREATE ROLE / USER, ALTER ROLE, DROP ROLE against the catalog. Passwords are stored as
 * SCRAM-SHA-256 verifiers, as PostgreSQL does with password_encryption = scram-sha-256: a
 * cleartext password is hashed here, a password given as a verifier is stored as it is.
 */
import { makeScramVerifier, parseScramVerifier } from "../../common/scram-verifier.js";
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { Catalog, RoleAttributes } from "../catalog/index.js";
import type { AlterRoleStatement, CreateRoleStatement, DropRoleStatement, RoleOptions } from "../parser/index.js";
import type { SessionNotice } from "./api.js";

export interface RoleOutcome {
  readonly tag: string;
  readonly notices: SessionNotice[];
}

const MD5_HASH = /^md5[0-9a-f]{32}$/;

/** The verifier to store for a PASSWORD option: undefined keeps the old one, null clears it. */
function verifierOf(password: string | null | undefined, notices: SessionNotice[]): string | null | undefined {
  if (password === undefined || password === null) return password;
  if (password === "") {
    notices.push({ severity: "NOTICE", sqlstate: "00000", message: "empty string is not a valid password, clearing password" });
    return null;
  }
  if (parseScramVerifier(password) !== undefined) return password;
  if (MD5_HASH.test(password)) throw new SqlStateError("MD5 password hashes are not supported: give the password in clear text or as a SCRAM-SHA-256 verifier", "0A000");
  return makeScramVerifier(password);
}

function attributes(o: RoleOptions): RoleAttributes {
  return {
    ...(o.createdb !== undefined && { createdb: o.createdb }),
    ...(o.createrole !== undefined && { createrole: o.createrole }),
    ...(o.replication !== undefined && { replication: o.replication }),
    ...(o.bypassrls !== undefined && { bypassrls: o.bypassrls }),
    ...(o.inherit !== undefined && { inherit: o.inherit }),
    ...(o.connectionLimit !== undefined && { connectionLimit: o.connectionLimit }),
    ...(o.validUntil !== undefined && { validUntil: o.validUntil }),
  };
}

export async function createRole(s: CreateRoleStatement, catalog: Catalog): Promise<RoleOutcome> {
  const notices: SessionNotice[] = [];
  const o = s.options;
  const verifier = verifierOf(o.password, notices);
  await catalog.createRole({
    name: s.name.name,
    ...(o.login !== undefined && { login: o.login }),
    ...(o.superuser !== undefined && { superuser: o.superuser }),
    ...(typeof verifier === "string" && { passwordScram: verifier }),
    ...attributes(o),
  });
  return { tag: "CREATE ROLE", notices };
}

export async function alterRole(s: AlterRoleStatement, catalog: Catalog): Promise<RoleOutcome> {
  const notices: SessionNotice[] = [];
  const o = s.options;
  const verifier = verifierOf(o.password, notices);
  await catalog.alterRole(s.name.name, {
    ...(o.login !== undefined && { login: o.login }),
    ...(o.superuser !== undefined && { superuser: o.superuser }),
    ...(verifier !== undefined && { passwordScram: verifier }),
    ...attributes(o),
  });
  return { tag: "ALTER ROLE", notices };
}

/** `sessionUser`: the role the session logged in as, which cannot be dropped. */
export async function dropRoles(s: DropRoleStatement, catalog: Catalog, sessionUser: string): Promise<RoleOutcome> {
  const notices: SessionNotice[] = [];
  for (const { name } of s.names) {
    if (name === sessionUser) throw new SqlStateError("current user cannot be dropped", "55006");
    const r = await catalog.dropRole(name, { ifExists: s.ifExists });
    if (!r.done) notices.push({ severity: "NOTICE", sqlstate: "00000", message: r.notice.message });
  }
  return { tag: "DROP ROLE", notices };
}
