/** Re-exports of the catalog's key helpers the executor uses, plus a prefix span helper. */
import { prefixEnd } from "../../kv/key-encoding.js";

export { decodeIndexKey, encodeIndexKey, encodeIndexPrefix, encodePrimaryKey, primaryKeyOf } from "../catalog/index.js";

export function prefixSpanOf(prefix: Buffer): { start: Buffer; end: Buffer } {
  return { start: prefix, end: prefixEnd(prefix) ?? Buffer.from([0xff, 0xff, 0xff, 0xff]) };
}
