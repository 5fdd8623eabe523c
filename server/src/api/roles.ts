/**
 * Who may connect: roles come from the SQL catalog. pgwire runs its own exchanges over
 * `lookupRole`; REST and gRPC take HTTP Basic credentials (`authorization: Basic base64(user:password)`)
 * checked against the same SCRAM verifiers. Under `trust` any user name is accepted, as the
 * local default, even one the catalog does not hold (there is no CREATE ROLE in SQL yet).
 */
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { SqlStateError } from "../common/sqlstate-error.js";
import type { AuthMethodName } from "../config/server-config.js";
import type { Role } from "../sql/catalog/index.js";
import { makeScramVerifier, parseScramVerifier, verifyScramPassword } from "./pgwire/index.js";

export type RoleLookup = (name: string) => Promise<Role | undefined>;

/** Under trust, a catalog role or else a plain login role of that name. */
export function trustLookup(lookup: RoleLookup): RoleLookup {
  return async (name) => (await lookup(name)) ?? { name, login: true, superuser: false };
}

/** What the bootstrap step needs from the database. */
export interface RoleStore {
  getRole(name: string): Promise<Role | undefined>;
  ensureRole(spec: { name: string; login: boolean; superuser: boolean; passwordScram?: string }): Promise<Role>;
}

/**
 * Makes the configured superuser exist with LOGIN and SUPERUSER and, when a password is given,
 * a verifier for it. Writes only when something changed, so restarts with the same settings
 * leave the catalog alone. Returns whether it wrote.
 */
export async function bootstrapSuperuser(store: RoleStore, user: string, password: string | undefined): Promise<boolean> {
  const existing = await store.getRole(user);
  const verifier = existing?.passwordScram === undefined ? undefined : parseScramVerifier(existing.passwordScram);
  const passwordOk = password === undefined || (verifier !== undefined && (await verifyScramPassword(password, verifier)));
  if (existing !== undefined && existing.login && existing.superuser && passwordOk) return false;
  await store.ensureRole({ name: user, login: true, superuser: true, ...(password !== undefined && !passwordOk && { passwordScram: makeScramVerifier(password) }) });
  return true;
}

/** Checked credentials stay valid this long without a new PBKDF2 round (and a password change takes this long to bite). */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 1024;

export class BasicAuthenticator {
  /** Hashes of (user, password, verifier) that verified recently: PBKDF2 costs milliseconds per request otherwise. */
  private readonly verified = new LRUCache<string, true>({ max: VERIFIED_MAX, ttl: VERIFIED_TTL_MS });

  constructor(
    private readonly method: AuthMethodName,
    private readonly lookup: RoleLookup,
    private readonly defaultUser: string,
  ) {}

  /** The authenticated user name for an `authorization` header value; 28000/28P01 otherwise. */
  async authenticate(authorization: string | undefined): Promise<string> {
    const credentials = authorization === undefined ? undefined : parseBasic(authorization);
    if (this.method === "trust") return credentials?.user || this.defaultUser;
    if (credentials === undefined) throw new SqlStateError("authentication required: send HTTP Basic credentials (authorization: Basic base64(user:password))", "28000");
    const { user, password } = credentials;
    const role = await this.lookup(user);
    const failed = new SqlStateError(`password authentication failed for user "${user}"`, "28P01");
    const verifier = role?.passwordScram === undefined ? undefined : parseScramVerifier(role.passwordScram);
    if (role === undefined || verifier === undefined || password === "") throw failed;
    const key = createHash("sha256").update(user).update("\0").update(password).update("\0").update(role.passwordScram!).digest("base64");
    if (!this.verified.has(key)) {
      if (!(await verifyScramPassword(password, verifier))) throw failed;
      this.verified.set(key, true);
    }
    if (!role.login) throw new SqlStateError(`role "${user}" is not permitted to log in`, "28000");
    return user;
  }
}

function parseBasic(header: string): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m === null) return undefined;
  const text = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
