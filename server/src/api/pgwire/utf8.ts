/**
 * Strict UTF-8 decoding for text that clients send. PostgreSQL checks every string against the
 * client encoding and rejects bad bytes with 22021; a lenient decoder would silently turn them
 * into U+FFFD and store something the client never sent.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 or throws 22021 naming the offending bytes, as PostgreSQL words it. */
export function decodeUtf8(bytes: Uint8Array): string {
  // Names and parameter values are mostly short ASCII: cheaper than a call into the decoder.
  if (bytes.length <= SHORT_ASCII_MAX) {
    let text = "";
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) return decodeStrict(bytes);
      text += String.fromCharCode(b);
    }
    return text;
  }
  return decodeStrict(bytes);
}

const SHORT_ASCII_MAX = 16;

function decodeStrict(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw invalidUtf8(bytes);
  }
}

function invalidUtf8(bytes: Uint8Array): SqlStateError {
  const at = firstInvalidUtf8(bytes);
  const shown = Array.from(bytes.subarray(at, Math.min(bytes.length, at + sequenceLength(bytes[at] ?? 0))))
    .map((b) => "0x" + b.toString(16).padStart(2, "0"))
    .join(" ");
  return new SqlStateError(`invalid byte sequence for encoding "UTF8": ${shown}`, "22021");
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** The offset of the first byte that starts an invalid sequence (bytes.length when all is valid). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const n = sequenceLength(lead);
    if (n === 1) {
      if (lead >= 0x80) return i;
      i++;
      continue;
    }
    if (i + n > bytes.length) return i;
    const second = bytes[i + 1]!;
    // Overlong forms, surrogates and code points past U+10FFFF are excluded by the second byte's range.
    const secondMin = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const secondMax = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (second < secondMin || second > secondMax) return i;
    for (let k = 2; k < n; k++) {
      const b = bytes[i + k]!;
      if (b < 0x80 || b > 0xbf) return i;
    }
    i += n;
  }
  return i;
}
