/**
 * SCRAM-SHA-256 verifiers in PostgreSQL's pg_authid format: making one from a password (what
 * CREATE ROLE ... PASSWORD stores), parsing one, and checking a cleartext password against it.
 * Below the SQL layer so that both the catalog's users (SQL role statements) and the wire
 * protocol's authentication share it.
 */
import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { SqlStateError } from "./sqlstate-error.js";
import { saslprepPassword } from "./saslprep.js";

export const SCRAM_SHA_256 = "SCRAM-SHA-256";
/** PostgreSQL's defaults (scram_iterations, SCRAM_DEFAULT_SALT_LEN, SCRAM_RAW_NONCE_LEN). */
export const SCRAM_DEFAULT_ITERATIONS = 4096;
export const SCRAM_SALT_BYTES = 16;
export const SCRAM_NONCE_BYTES = 18;
/** Bytes of StoredKey, ServerKey and proofs (SHA-256). */
export const SCRAM_KEY_BYTES = 32;

/** The parts of `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`. */
export interface ScramVerifier {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

const VERIFIER_FORMAT = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** The verifier's parts, or undefined when the text is not a SCRAM-SHA-256 verifier. */
export function parseScramVerifier(text: string): ScramVerifier | undefined {
  const m = VERIFIER_FORMAT.exec(text);
  if (m === null) return undefined;
  const iterations = Number(m[1]);
  const salt = Buffer.from(m[2]!, "base64");
  const storedKey = Buffer.from(m[3]!, "base64");
  const serverKey = Buffer.from(m[4]!, "base64");
  if (!Number.isSafeInteger(iterations) || iterations < 1 || salt.length === 0) return undefined;
  if (storedKey.length !== SCRAM_KEY_BYTES || serverKey.length !== SCRAM_KEY_BYTES) return undefined;
  return { iterations, salt, storedKey, serverKey };
}

export function hmac(key: Buffer, text: string | Buffer): Buffer {
  return createHmac("sha256", key).update(text).digest();
}

export function sha256(data: Buffer): Buffer {
  return createHash("sha256").update(data).digest();
}

export function keysOf(saltedPassword: Buffer): { storedKey: Buffer; serverKey: Buffer } {
  return { storedKey: sha256(hmac(saltedPassword, "Client Key")), serverKey: hmac(saltedPassword, "Server Key") };
}

/**
 * A verifier for `password` in PostgreSQL's format (what `CREATE ROLE ... PASSWORD` stores with
 * password_encryption = scram-sha-256). The password is SASLprep'd as PostgreSQL does.
 */
export function makeScramVerifier(password: string, salt: Uint8Array = randomBytes(SCRAM_SALT_BYTES), iterations = SCRAM_DEFAULT_ITERATIONS): string {
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw new SqlStateError(`invalid SCRAM iteration count ${iterations}`, "22023");
  const saltBuf = Buffer.from(salt);
  const { storedKey, serverKey } = keysOf(pbkdf2Sync(saslprepPassword(password), saltBuf, iterations, SCRAM_KEY_BYTES, "sha256"));
  return `${SCRAM_SHA_256}$${iterations}:${saltBuf.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** Whether a cleartext password matches the verifier (password authentication against a SCRAM secret). */
export async function verifyScramPassword(password: string, verifier: ScramVerifier): Promise<boolean> {
  // Asynchronous PBKDF2: thousands of HMAC rounds would otherwise stall every other connection.
  const salted = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(saslprepPassword(password), verifier.salt, verifier.iterations, SCRAM_KEY_BYTES, "sha256", (e, key) => (e ? reject(e) : resolve(key))),
  );
  return timingSafeEqual(keysOf(salted).serverKey, verifier.serverKey);
}
