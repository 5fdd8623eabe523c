/**
 * Approximate heap bytes of SQL values and rows, for charging buffered rows against work_mem.
 * The figures follow V8's layout on 64-bit builds with pointer compression off (the worst
 * case): an object header of 16 bytes, 8 bytes per array slot or field, strings of 1 or 2 bytes
 * per code unit after a header, typed arrays with their backing store. They err on the high
 * side, so a budget holds even when the estimate is off.
 */
import { Jsonb, JsonbObject, type JsonbNode, Numeric, type SqlValue } from "../../types/index.js";

const OBJECT_HEADER_BYTES = 16;
const SLOT_BYTES = 8;
const STRING_HEADER_BYTES = 24;
const HEAP_NUMBER_BYTES = 16;
const BIGINT_HEADER_BYTES = 16;
const TYPED_ARRAY_BYTES = 96;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** A Numeric, its Decimal and the Decimal's digit array (7 decimal digits per element). */
const NUMERIC_BASE_BYTES = 3 * OBJECT_HEADER_BYTES + 6 * SLOT_BYTES;

/** Heap bytes of one value, excluding the slot that holds it. */
export function valueBytes(v: SqlValue): number {
  switch (typeof v) {
    case "object":
      if (v === null) return 0;
      if (v instanceof Uint8Array || v instanceof Float32Array) return TYPED_ARRAY_BYTES + v.byteLength;
      if (v instanceof Numeric) return numericBytes(v);
      if (v instanceof Jsonb) return OBJECT_HEADER_BYTES + SLOT_BYTES + jsonBytes(v.root);
      if (Array.isArray(v)) return rowBytes(v as readonly SqlValue[]);
      return OBJECT_HEADER_BYTES;
    case "string":
      return stringBytes(v);
    case "number":
      // Small integers live in the slot itself; everything else is a boxed double.
      return Number.isInteger(v) && Math.abs(v) < 2 ** 30 ? 0 : HEAP_NUMBER_BYTES;
    case "bigint":
      return BIGINT_HEADER_BYTES + (v >= INT64_MIN && v <= INT64_MAX ? 8 : 8 * Math.ceil((v < 0n ? -v : v).toString(16).length / 16));
    default:
      return 0;
  }
}

/** Heap bytes of a row (the array and its values). */
export function rowBytes(row: readonly SqlValue[]): number {
  let n = OBJECT_HEADER_BYTES + SLOT_BYTES * (row.length + 1);
  for (let i = 0; i < row.length; i++) n += valueBytes(row[i]!);
  return n;
}

/** V8 stores a string with one byte per character unless a character is above U+00FF. */
const WIDE_CHARACTER = /[\u0100-\uffff]/;

function stringBytes(s: string): number {
  return STRING_HEADER_BYTES + (WIDE_CHARACTER.test(s) ? 2 : 1) * s.length;
}

function numericBytes(n: Numeric): number {
  const digits = n.value.d?.length ?? 0;
  return NUMERIC_BASE_BYTES + SLOT_BYTES * digits;
}

function jsonBytes(node: JsonbNode): number {
  if (node === null || typeof node === "boolean") return 0;
  if (typeof node === "string") return stringBytes(node);
  if (node instanceof Numeric) return numericBytes(node);
  if (node instanceof JsonbObject) {
    let n = 3 * OBJECT_HEADER_BYTES + 2 * SLOT_BYTES * node.keys.length;
    for (const k of node.keys) n += stringBytes(k);
    for (const x of node.values) n += jsonBytes(x);
    return n;
  }
  let n = OBJECT_HEADER_BYTES + SLOT_BYTES * node.length;
  for (const x of node) n += jsonBytes(x);
  return n;
}

/**
 * Heap bytes of a key computed from `row`: its array, plus the values that are not the row's own
 * (a key of plain column references shares the row's strings and objects).
 */
export function keyBytes(key: readonly SqlValue[], row: readonly SqlValue[]): number {
  let n = OBJECT_HEADER_BYTES + SLOT_BYTES * (key.length + 1);
  for (let i = 0; i < key.length; i++) {
    const v = key[i]!;
    if (v !== null && !row.includes(v)) n += valueBytes(v);
  }
  return n;
}
