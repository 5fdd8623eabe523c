/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) on the server side, as PostgreSQL speaks it: verifiers in
 * pg_authid's format, the two-round exchange without channel binding (gs2 headers `n,,` and
 * `y,,`), and a mock exchange for unknown users so that a client cannot tell them from a wrong
 * password. Pure apart from hashing: nonces and salts come from the caller.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { SqlStateError } from "../../common/sqlstate-error.js";
import { hmac, SCRAM_DEFAULT_ITERATIONS, SCRAM_KEY_BYTES, SCRAM_SALT_BYTES, type ScramVerifier, sha256 } from "../../common/scram-verifier.js";

export {
  makeScramVerifier,
  parseScramVerifier,
  SCRAM_DEFAULT_ITERATIONS,
  SCRAM_NONCE_BYTES,
  SCRAM_SALT_BYTES,
  SCRAM_SHA_256,
  type ScramVerifier,
  verifyScramPassword,
} from "../../common/scram-verifier.js";

/**
 * A verifier for a user who has none (or does not exist), as PostgreSQL's scram_mock_salt does:
 * the salt is derived from the name and a per-server secret, so repeated attempts see the same
 * salt and nothing distinguishes the user from a real one until the proof fails.
 */
export function mockScramVerifier(user: string, serverSecret: Uint8Array): ScramVerifier {
  const salt = createHash("sha256").update(user).update(serverSecret).digest().subarray(0, SCRAM_SALT_BYTES);
  return { iterations: SCRAM_DEFAULT_ITERATIONS, salt, storedKey: Buffer.alloc(SCRAM_KEY_BYTES), serverKey: Buffer.alloc(SCRAM_KEY_BYTES) };
}

function malformed(detail: string): SqlStateError {
  const e = new SqlStateError("malformed SCRAM message", "08P01");
  return Object.assign(e, { detail });
}

/** Printable characters except ',' (RFC 5802's `printable`), which nonces consist of. */
const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

/**
 * One SCRAM-SHA-256 exchange. `clientFirst` answers with the server-first-message; `clientFinal`
 * checks the proof and answers with the server-final-message, or reports failure (the caller
 * then says "password authentication failed"). Malformed messages throw 08P01 (0A000 for
 * features PostgreSQL does not support either).
 */
export class ScramExchange {
  private state: "initial" | "sent-first" | "done" = "initial";
  private gs2Header = "";
  private clientFirstBare = "";
  private serverFirst = "";
  private nonce = "";

  /**
   * @param verifier the user's verifier, or a mock one (`mock` true) that never succeeds.
   * @param serverNonce random bytes (SCRAM_NONCE_BYTES) for this exchange.
   */
  constructor(
    private readonly verifier: ScramVerifier,
    private readonly serverNonce: Uint8Array,
    private readonly mock = false,
  ) {}

  clientFirst(message: string): string {
    if (this.state !== "initial") throw malformed("Unexpected client-first-message.");
    const m = /^([nyp])(=[^,]*)?,(a=[^,]*)?,(.*)$/s.exec(message);
    if (m === null) throw malformed(`Unexpected channel-binding flag "${message.slice(0, 1)}".`);
    if (m[1] === "p") {
      throw malformed("The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.");
    }
    if (m[2] !== undefined) throw malformed("Unexpected channel-binding flag.");
    if (m[3] !== undefined) throw new SqlStateError("client uses authorization identity, but it is not supported", "0A000");
    const bare = m[4]!;
    if (bare.startsWith("m=")) throw new SqlStateError("client requires an unsupported SCRAM extension", "0A000");
    // The user name in n= is ignored, as in PostgreSQL: the startup packet's user is the one authenticated.
    const attrs = /^n=[^,]*,r=([^,]*)(,.*)?$/s.exec(bare);
    if (attrs === null) throw malformed("Expected attribute \"r\" in client-first-message.");
    const clientNonce = attrs[1]!;
    if (!NONCE.test(clientNonce)) throw malformed("The client nonce contains invalid characters.");
    this.gs2Header = message.slice(0, message.length - bare.length);
    this.clientFirstBare = bare;
    this.nonce = clientNonce + Buffer.from(this.serverNonce).toString("base64");
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString("base64")},i=${this.verifier.iterations}`;
    this.state = "sent-first";
    return this.serverFirst;
  }

  clientFinal(message: string): { readonly ok: true; readonly serverFinal: string } | { readonly ok: false } {
    if (this.state !== "sent-first") throw malformed("Unexpected client-final-message.");
    this.state = "done";
    const m = /^c=([^,]*),r=([^,]*)((?:,[^,]*)*),p=([^,]*)$/s.exec(message);
    if (m === null) throw malformed("Malformed client-final-message.");
    if (Buffer.from(m[1]!, "base64").toString("latin1") !== this.gs2Header) {
      throw new SqlStateError("SCRAM channel binding check failed", "08P01");
    }
    if (m[2] !== this.nonce) throw malformed("Nonce does not match.");
    const proof = Buffer.from(m[4]!, "base64");
    if (proof.length !== SCRAM_KEY_BYTES) throw malformed("Malformed proof in client-final-message.");
    const withoutProof = message.slice(0, message.length - m[4]!.length - 3);
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.verifier.storedKey, authMessage);
    const clientKey = Buffer.alloc(SCRAM_KEY_BYTES);
    for (let i = 0; i < SCRAM_KEY_BYTES; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const matches = timingSafeEqual(sha256(clientKey), this.verifier.storedKey);
    if (!matches || this.mock) return { ok: false };
    return { ok: true, serverFinal: `v=${hmac(this.verifier.serverKey, authMessage).toString("base64")}` };
  }
}
