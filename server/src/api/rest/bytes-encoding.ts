/**
 * Keys and values in REST requests and answers: UTF-8 text by default, or base64 for binary
 * data (`?encoding=base64`). Text answers decode strictly: bytes that are not UTF-8 are refused
 * (22021) rather than silently replaced, and the client can ask again with base64.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";

export type BytesEncoding = "utf8" | "base64";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function decodeBytes(text: string, encoding: BytesEncoding, what: string): Buffer {
  if (encoding === "utf8") return Buffer.from(text, "utf8");
  const compact = text.replace(/-/g, "+").replace(/_/g, "/");
  if (!BASE64.test(compact) || compact.length % 4 === 1) throw new SqlStateError(`${what} is not valid base64`, "22023");
  return Buffer.from(compact, "base64");
}

export function encodeBytes(bytes: Uint8Array, encoding: BytesEncoding): string {
  if (encoding === "base64") return Buffer.from(bytes).toString("base64");
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new SqlStateError('invalid byte sequence for encoding "UTF8"', "22021", { hint: "Ask for encoding=base64 to read binary keys and values." });
  }
}
