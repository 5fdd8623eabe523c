/**
 * The json/jsonb functions and operators beyond construction and field access (json-vector.ts):
 * to_json(b), lengths, jsonb_set / jsonb_insert, stripping nulls, pretty printing, containment,
 * existence, concatenation and deletion, with PostgreSQL 15's results and errors. The
 * set-returning ones (json_each, json_array_elements, json_object_keys) read their values here
 * and are registered in set-returning.ts.
 *
 * json (text) values are walked on their text: a function returning json gives back the
 * element's text exactly as written, as PostgreSQL's json functions do.
 */
import { Jsonb, JsonbObject, type JsonbNode, Numeric, type SqlArray, type SqlType, type SqlValue } from "../types/index.js";
import { formatJsonb, normaliseObject, parseJsonb, parseJsonText, quoteJsonString } from "../types/json.js";
import { SqlStateError } from "../../common/sqlstate-error.js";
import { err, fn } from "./common.js";
import { toJson } from "./json-vector.js";
import type { Overload } from "./registry.js";

const root = (v: SqlValue | undefined): JsonbNode => (v as Jsonb).root;
const isObject = (n: JsonbNode): n is JsonbObject => n instanceof JsonbObject;
const isArray = (n: JsonbNode): n is readonly JsonbNode[] => Array.isArray(n);
const isScalar = (n: JsonbNode): boolean => !isObject(n) && !isArray(n);

function invalidParameter(message: string, hint?: string): SqlStateError {
  return new SqlStateError(message, "22023", hint === undefined ? undefined : { hint });
}

/**
 * to_json / to_jsonb: strict, but an untyped argument (even NULL) has no type to convert from,
 * which PostgreSQL reports before looking at the value.
 */
function typedToJson(v: SqlValue, t: SqlType): string | null {
  if (t.kind === "unknown" || t.kind === "null") throw err("could not determine polymorphic type because input has type unknown", "42804");
  return v === null ? null : toJson(v, t);
}

// ---- json text as a tree of spans -------------------------------------------------------------

/** A json value's members: for an object its keys (decoded, duplicates kept) and value texts. */
export interface JsonMembers {
  readonly kind: "object" | "array" | "scalar";
  readonly keys: string[];
  /** Each member's text exactly as written (trimmed of surrounding white space). */
  readonly values: string[];
}

class JsonText {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && " \t\n\r".includes(this.s[this.i]!)) this.i++;
  }
  /** Skips one value (the text was validated), returning where it starts and ends. */
  value(): [number, number] {
    this.ws();
    const start = this.i;
    const c = this.s[this.i];
    if (c === '"') this.string();
    else if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      this.i++;
      this.ws();
      if (this.s[this.i] === close) this.i++;
      else {
        for (;;) {
          if (c === "{") {
            this.string();
            this.ws();
            this.i++;
          }
          this.value();
          this.ws();
          if (this.s[this.i++] === close) break;
        }
      }
    } else {
      while (this.i < this.s.length && !" \t\n\r,]}".includes(this.s[this.i]!)) this.i++;
    }
    return [start, this.i];
  }
  string(): string {
    this.ws();
    const start = this.i++;
    while (this.s[this.i] !== '"') this.i += this.s[this.i] === "\\" ? 2 : 1;
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }
}

export function jsonMembers(text: string): JsonMembers {
  const sc = new JsonText(text);
  sc.ws();
  const c = text[sc.i];
  const keys: string[] = [];
  const values: string[] = [];
  if (c !== "{" && c !== "[") return { kind: "scalar", keys, values };
  sc.i++;
  sc.ws();
  if (text[sc.i] !== (c === "{" ? "}" : "]")) {
    for (;;) {
      if (c === "{") {
        keys.push(sc.string());
        sc.ws();
        sc.i++;
      }
      const [a, b] = sc.value();
      values.push(text.slice(a, b));
      sc.ws();
      if (text[sc.i++] !== ",") break;
    }
  }
  return { kind: c === "{" ? "object" : "array", keys, values };
}

/** A json member's text as ->> gives it: strings unquoted, null as SQL NULL. */
export function jsonTextValue(raw: string): string | null {
  if (raw === "null") return null;
  return raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
}

/** jsonb ->> of a node. */
export function jsonbTextValue(n: JsonbNode): string | null {
  if (n === null) return null;
  if (typeof n === "string") return n;
  return formatJsonb(new Jsonb(n));
}

/** json_strip_nulls rewrites the text as PostgreSQL's json parser re-emits it: no white space. */
function stripJsonNulls(text: string): string {
  const m = jsonMembers(text);
  if (m.kind === "scalar") return text.trim();
  if (m.kind === "array") return `[${m.values.map(stripJsonNulls).join(",")}]`;
  const parts: string[] = [];
  m.keys.forEach((k, i) => {
    if (m.values[i] !== "null") parts.push(`${quoteJsonString(k)}:${stripJsonNulls(m.values[i]!)}`);
  });
  return `{${parts.join(",")}}`;
}

function stripJsonbNulls(n: JsonbNode): JsonbNode {
  if (isArray(n)) return n.map(stripJsonbNulls);
  if (!isObject(n)) return n;
  const keys: string[] = [];
  const values: JsonbNode[] = [];
  n.keys.forEach((k, i) => {
    if (n.values[i] !== null) {
      keys.push(k);
      values.push(stripJsonbNulls(n.values[i]!));
    }
  });
  return new JsonbObject(keys, values);
}

function jsonArrayLength(text: string): number {
  const m = jsonMembers(text);
  if (m.kind === "scalar") throw invalidParameter("cannot get array length of a scalar");
  if (m.kind === "object") throw invalidParameter("cannot get array length of a non-array");
  return m.values.length;
}

function jsonbArrayLength(n: JsonbNode): number {
  if (isScalar(n)) throw invalidParameter("cannot get array length of a scalar");
  if (!isArray(n)) throw invalidParameter("cannot get array length of a non-array");
  return n.length;
}

// ---- jsonb_pretty -----------------------------------------------------------------------------

function pretty(n: JsonbNode, indent: string, out: string[]): void {
  if (isObject(n)) {
    out.push("{\n");
    n.keys.forEach((k, i) => {
      out.push(`${indent}    ${quoteJsonString(k)}: `);
      pretty(n.values[i]!, indent + "    ", out);
      out.push(i < n.keys.length - 1 ? ",\n" : "\n");
    });
    out.push(`${indent}}`);
  } else if (isArray(n)) {
    out.push("[\n");
    n.forEach((e, i) => {
      out.push(`${indent}    `);
      pretty(e, indent + "    ", out);
      out.push(i < n.length - 1 ? ",\n" : "\n");
    });
    out.push(`${indent}]`);
  } else out.push(formatJsonb(new Jsonb(n)));
}

export function jsonbPretty(j: Jsonb): string {
  const out: string[] = [];
  pretty(j.root, "", out);
  return out.join("");
}

// ---- paths: jsonb_set, jsonb_insert, #- -------------------------------------------------------

type PathOp = "set" | "replace" | "insert before" | "insert after" | "delete";

/** A text[] path's elements; SQL NULL elements are refused with PostgreSQL's message. */
function pathOf(v: SqlValue): string[] {
  return (v as SqlArray).map((e, i) => {
    if (e === null) throw err(`path element at position ${i + 1} is null`, "22004");
    return e as string;
  });
}

/** strtoint as setPathArray uses it: leading white space and a sign, nothing after the digits. */
function pathIndex(step: string, level: number): number {
  const m = /^[ \t\n\r\v\f]*([+-]?\d+)$/.exec(step);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648) throw err(`path element at position ${level + 1} is not an integer: "${step}"`, "22P02");
  return n;
}

function setPath(n: JsonbNode, path: readonly string[], level: number, value: JsonbNode | undefined, op: PathOp): JsonbNode {
  if (isObject(n)) return setPathObject(n, path, level, value, op);
  if (isArray(n)) return setPathArray(n, path, level, value, op);
  return n;
}

function setPathObject(n: JsonbObject, path: readonly string[], level: number, value: JsonbNode | undefined, op: PathOp): JsonbNode {
  const key = path[level]!;
  const last = level === path.length - 1;
  const at = n.keys.indexOf(key);
  const keys = [...n.keys];
  const values = [...n.values];
  if (at < 0) {
    if (!last || op === "replace" || op === "delete") return n;
    keys.push(key);
    values.push(value!);
    return normaliseObject(keys, values);
  }
  if (!last) {
    values[at] = setPath(values[at]!, path, level + 1, value, op);
    return new JsonbObject(keys, values);
  }
  if (op === "insert before" || op === "insert after") throw invalidParameter("cannot replace existing key", "Try using the function jsonb_set to replace key value.");
  if (op === "delete") {
    keys.splice(at, 1);
    values.splice(at, 1);
  } else values[at] = value!;
  return new JsonbObject(keys, values);
}

function setPathArray(n: readonly JsonbNode[], path: readonly string[], level: number, value: JsonbNode | undefined, op: PathOp): JsonbNode {
  const last = level === path.length - 1;
  const creates = op === "set" || op === "insert before" || op === "insert after";
  let idx = pathIndex(path[level]!, level);
  const count = n.length;
  let prepend = false;
  if (idx < 0) {
    if (-idx > count) prepend = true;
    else idx = count + idx;
  }
  if (!prepend && idx > count) idx = count;
  const out: JsonbNode[] = [];
  let done = false;
  if ((prepend || count === 0) && last && creates) {
    out.push(value!);
    done = true;
  }
  for (let i = 0; i < count; i++) {
    if (!prepend && i === idx) {
      if (last) {
        if (op === "insert before") out.push(value!, n[i]!);
        else if (op === "insert after") out.push(n[i]!, value!);
        else if (op !== "delete") out.push(value!);
        done = true;
      } else out.push(setPath(n[i]!, path, level + 1, value, op));
    } else out.push(n[i]!);
  }
  if (creates && !done && last) out.push(value!);
  return out;
}

function jsonbSetPath(j: Jsonb, pathValue: SqlValue, value: Jsonb | undefined, op: PathOp): Jsonb {
  const path = pathOf(pathValue);
  const r = j.root;
  if (isScalar(r)) throw invalidParameter(op === "delete" ? "cannot delete path in scalar" : "cannot set path in scalar");
  if (path.length === 0) return j;
  return new Jsonb(setPath(r, path, 0, value?.root, op));
}

// ---- containment and existence ----------------------------------------------------------------

function scalarEquals(a: JsonbNode, b: JsonbNode): boolean {
  if (a instanceof Numeric && b instanceof Numeric) return a.value.eq(b.value) || (a.value.isNaN() && b.value.isNaN());
  return a === b;
}

/** JsonbDeepContains; a top-level scalar is a one-element array flagged as a raw scalar. */
function contains(a: JsonbNode, b: JsonbNode, top: boolean): boolean {
  if (top) {
    if (isScalar(a) && isScalar(b)) return scalarEquals(a, b);
    if (isScalar(a)) return false;
    if (isScalar(b)) return isArray(a) && a.some((x) => isScalar(x) && scalarEquals(x, b));
  }
  if (isObject(a) && isObject(b)) {
    return b.keys.every((k, i) => {
      const x = a.get(k);
      const y = b.values[i]!;
      if (x === undefined) return false;
      if (isScalar(y)) return isScalar(x) && scalarEquals(x, y);
      return isObject(x) === isObject(y) && isArray(x) === isArray(y) && contains(x, y, false);
    });
  }
  if (isArray(a) && isArray(b)) {
    return b.every((y) => (isScalar(y) ? a.some((x) => isScalar(x) && scalarEquals(x, y)) : a.some((x) => isObject(x) === isObject(y) && isArray(x) === isArray(y) && contains(x, y, false))));
  }
  return false;
}

function exists(n: JsonbNode, key: string): boolean {
  if (isObject(n)) return n.get(key) !== undefined;
  if (isArray(n)) return n.some((e) => e === key);
  return n === key;
}

// ---- concatenation and deletion ---------------------------------------------------------------

function concat(a: JsonbNode, b: JsonbNode): JsonbNode {
  if (isObject(a) && isObject(b)) return normaliseObject([...a.keys, ...b.keys], [...a.values, ...b.values]);
  const left = isArray(a) ? a : [a];
  const right = isArray(b) ? b : [b];
  return [...left, ...right];
}

function deleteKeys(n: JsonbNode, keys: readonly (string | null)[]): JsonbNode {
  if (isScalar(n)) throw invalidParameter("cannot delete from scalar");
  if (keys.length === 0) return n;
  const drop = new Set(keys.filter((k): k is string => k !== null));
  if (isArray(n)) return n.filter((e) => !(typeof e === "string" && drop.has(e)));
  const o = n as JsonbObject;
  const kept = o.keys.map((_, i) => i).filter((i) => !drop.has(o.keys[i]!));
  return new JsonbObject(
    kept.map((i) => o.keys[i]!),
    kept.map((i) => o.values[i]!),
  );
}

function deleteIndex(n: JsonbNode, index: number): JsonbNode {
  if (isScalar(n)) throw invalidParameter("cannot delete from scalar");
  if (isObject(n)) throw invalidParameter("cannot delete from object using integer index");
  const arr = n as readonly JsonbNode[];
  const at = index < 0 ? arr.length + index : index;
  if (at < 0 || at >= arr.length) return n;
  return arr.filter((_, i) => i !== at);
}

const jsonb = (n: JsonbNode): Jsonb => new Jsonb(n);
const texts = (v: SqlValue | undefined): readonly (string | null)[] => v as readonly (string | null)[];

export const JSON_EXTRA_FUNCTIONS: readonly Overload[] = [
  fn("to_json", ["any"], "json", ([v], _c, t) => typedToJson(v ?? null, t[0]!), { strict: false }),
  fn("to_jsonb", ["any"], "jsonb", ([v], _c, t) => {
    const text = typedToJson(v ?? null, t[0]!);
    return text === null ? null : parseJsonb(text);
  }, { strict: false }),
  fn("json_array_length", ["json"], "int4", ([j]) => jsonArrayLength(j as string)),
  fn("jsonb_array_length", ["jsonb"], "int4", ([j]) => jsonbArrayLength(root(j))),
  fn("json_strip_nulls", ["json"], "json", ([j]) => parseJsonText(stripJsonNulls(j as string))),
  fn("jsonb_strip_nulls", ["jsonb"], "jsonb", ([j]) => jsonb(stripJsonbNulls(root(j)))),
  fn("jsonb_pretty", ["jsonb"], "text", ([j]) => jsonbPretty(j as Jsonb)),
  fn("jsonb_set", ["jsonb", "array", "jsonb"], "jsonb", ([j, p, v]) => jsonbSetPath(j as Jsonb, p!, v as Jsonb, "set")),
  fn("jsonb_set", ["jsonb", "array", "jsonb", "bool"], "jsonb", ([j, p, v, c]) => jsonbSetPath(j as Jsonb, p!, v as Jsonb, c ? "set" : "replace")),
  fn("jsonb_insert", ["jsonb", "array", "jsonb"], "jsonb", ([j, p, v]) => jsonbSetPath(j as Jsonb, p!, v as Jsonb, "insert before")),
  fn("jsonb_insert", ["jsonb", "array", "jsonb", "bool"], "jsonb", ([j, p, v, a]) => jsonbSetPath(j as Jsonb, p!, v as Jsonb, a ? "insert after" : "insert before")),
  fn("#-", ["jsonb", "array"], "jsonb", ([j, p]) => jsonbSetPath(j as Jsonb, p!, undefined, "delete")),
  fn("@>", ["jsonb", "jsonb"], "bool", ([a, b]) => contains(root(a), root(b), true)),
  fn("<@", ["jsonb", "jsonb"], "bool", ([a, b]) => contains(root(b), root(a), true)),
  fn("?", ["jsonb", "text"], "bool", ([j, k]) => exists(root(j), k as string)),
  fn("?|", ["jsonb", "array"], "bool", ([j, ks]) => texts(ks).some((k) => k !== null && exists(root(j), k))),
  fn("?&", ["jsonb", "array"], "bool", ([j, ks]) => texts(ks).every((k) => k === null || exists(root(j), k))),
  fn("||", ["jsonb", "jsonb"], "jsonb", ([a, b]) => jsonb(concat(root(a), root(b)))),
  fn("-", ["jsonb", "text"], "jsonb", ([j, k]) => jsonb(deleteKeys(root(j), [k as string]))),
  fn("-", ["jsonb", "array"], "jsonb", ([j, ks]) => jsonb(deleteKeys(root(j), texts(ks)))),
  fn("-", ["jsonb", "int4"], "jsonb", ([j, i]) => jsonb(deleteIndex(root(j), i as number))),
];

// ---- set-returning readers (registered in set-returning.ts) ----------------------------------

export function jsonObjectKeys(text: string): string[] {
  const m = jsonMembers(text);
  if (m.kind !== "object") throw invalidParameter(`cannot call json_object_keys on ${m.kind === "array" ? "an array" : "a scalar"}`);
  return m.keys;
}

export function jsonbObjectKeys(j: Jsonb): readonly string[] {
  const n = j.root;
  if (!isObject(n)) throw invalidParameter(`cannot call jsonb_object_keys on ${isArray(n) ? "an array" : "a scalar"}`);
  return n.keys;
}

export function jsonElements(text: string, asText: boolean, name: string): SqlValue[][] {
  const m = jsonMembers(text);
  if (m.kind !== "array") throw invalidParameter(`cannot call ${name} on ${m.kind === "object" ? "a non-array" : "a scalar"}`);
  return m.values.map((v) => [asText ? jsonTextValue(v) : v]);
}

export function jsonbElements(j: Jsonb, asText: boolean, _name: string): SqlValue[][] {
  const n = j.root;
  if (!isArray(n)) throw invalidParameter(`cannot extract elements from ${isObject(n) ? "an object" : "a scalar"}`);
  return n.map((e) => [asText ? jsonbTextValue(e) : jsonb(e)]);
}

export function jsonEach(text: string, asText: boolean): SqlValue[][] {
  const m = jsonMembers(text);
  if (m.kind !== "object") throw invalidParameter(m.kind === "array" ? "cannot deconstruct an array as an object" : "cannot deconstruct a scalar");
  return m.keys.map((k, i) => [k, asText ? jsonTextValue(m.values[i]!) : m.values[i]!]);
}

export function jsonbEach(j: Jsonb, asText: boolean, name: string): SqlValue[][] {
  const n = j.root;
  if (!isObject(n)) throw invalidParameter(`cannot call ${name} on a non-object`);
  return n.keys.map((k, i) => [k, asText ? jsonbTextValue(n.values[i]!) : jsonb(n.values[i]!)]);
}

// ---- rows ---------------------------------------------------------------------------------------

/**
 * row_to_json / to_json / to_jsonb of a FROM item's row: the analyzer passes the row's columns
 * as arguments along with their names. PostgreSQL writes no spaces, and with row_to_json's
 * pretty flag a line feed and a space before each field after the first.
 */
export function rowToJson(values: readonly SqlValue[], names: readonly string[], types: readonly SqlType[], pretty: boolean): string {
  const fields = names.map((n, i) => `${quoteJsonString(n)}:${toJson(values[i] ?? null, types[i]!)}`);
  return `{${fields.join(pretty ? ",\n " : ",")}}`;
}
