/** Value equality for round-trip tests. */
import { Interval, Jsonb, JsonbObject, type JsonbNode, Numeric, type SqlValue } from "../../../types/index.js";

/** Equality that tells -0 from 0, a Buffer from a Uint8Array, NaN bit patterns in float32 arrays, and numeric scales apart. */
export function exactlyEqual(a: SqlValue | JsonbNode, b: SqlValue | JsonbNode): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a !== "object" || typeof b !== "object") return Object.is(a, b);
  if (a.constructor !== b.constructor) return false;
  if (a instanceof Numeric) return b instanceof Numeric && a.scale === b.scale && a.toString() === b.toString();
  if (a instanceof Float32Array || a instanceof Uint8Array) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array((b as Uint8Array).buffer, (b as Uint8Array).byteOffset, (b as Uint8Array).byteLength);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (a instanceof Interval) {
    const i = b as Interval;
    return a.months === i.months && a.days === i.days && Object.is(a.micros, i.micros);
  }
  if (a instanceof Jsonb) return exactlyEqual(a.root, (b as Jsonb).root);
  if (a instanceof JsonbObject) {
    const o = b as JsonbObject;
    return a.keys.length === o.keys.length && a.keys.every((k, i) => k === o.keys[i] && exactlyEqual(a.values[i]!, o.values[i]!));
  }
  const xs = a as readonly JsonbNode[];
  const ys = b as readonly JsonbNode[];
  return xs.length === ys.length && xs.every((x, i) => exactlyEqual(x, ys[i]!));
}
