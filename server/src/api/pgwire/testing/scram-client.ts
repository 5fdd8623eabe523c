/** The client side of SCRAM-SHA-256, as a driver computes it from the password, for tests. */
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { saslprepPassword } from "../../../common/saslprep.js";

const KEY_BYTES = 32;

function hmac(key: Buffer, text: string | Buffer): Buffer {
  return createHmac("sha256", key).update(text).digest();
}

function sha256(data: Buffer): Buffer {
  return createHash("sha256").update(data).digest();
}

export class ScramClient {
  private readonly clientFirstBare: string;
  private serverSignature = "";

  constructor(
    private readonly password: string,
    private readonly clientNonce: string,
    private readonly gs2Header = "n,,",
  ) {
    this.clientFirstBare = `n=,r=${clientNonce}`;
  }

  clientFirst(): string {
    return this.gs2Header + this.clientFirstBare;
  }

  clientFinal(serverFirst: string): string {
    const m = /^r=([^,]*),s=([^,]*),i=(\d+)/.exec(serverFirst);
    if (m === null || !m[1]!.startsWith(this.clientNonce)) throw new Error(`bad server-first-message: ${serverFirst}`);
    const salted = pbkdf2Sync(saslprepPassword(this.password), Buffer.from(m[2]!, "base64"), Number(m[3]), KEY_BYTES, "sha256");
    const clientKey = hmac(salted, "Client Key");
    const withoutProof = `c=${Buffer.from(this.gs2Header, "latin1").toString("base64")},r=${m[1]}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(sha256(clientKey), authMessage);
    const proof = Buffer.alloc(KEY_BYTES);
    for (let i = 0; i < KEY_BYTES; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.serverSignature = hmac(hmac(salted, "Server Key"), authMessage).toString("base64");
    return `${withoutProof},p=${proof.toString("base64")}`;
  }

  /** Whether the server proved it knows the verifier. */
  verifyServerFinal(serverFinal: string): boolean {
    return serverFinal === `v=${this.serverSignature}`;
  }
}
