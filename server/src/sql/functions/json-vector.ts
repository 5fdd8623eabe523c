/**
 * json/jsonb construction and access, uuid generation, and pgvector's functions and operators.
 *
 * Paths (#>, #>>) are text[] values; an untyped literal path ('{a,0,b}') resolves to the text
 * overloads, which read it as the array literal it spells. On json (text) values the operators scan the text and return the value's text exactly
 * as written, taking the last of duplicate keys, as PostgreSQL's json functions do.
 */
import { randomUUID } from "node:crypto";
import { formatText, VECTOR, Jsonb, JsonbObject, type JsonbNode, Numeric, type SqlType, type SqlValue } from "../types/index.js";
import { formatJsonb, parseJsonb, quoteJsonString } from "../types/json.js";
import { formatTimestamp } from "../types/datetime.js";
import {
  checkSameDims,
  cosineDistance,
  cosineSimilarity,
  innerProduct,
  l2Distance,
  negativeInnerProduct,
  vectorDims,
  vectorDistance,
  vectorNorm,
  vectorSimilarity,
} from "../../vector/distance.js";
import { err, fn } from "./common.js";
import type { Overload } from "./registry.js";

/** to_json of one value, as json_build_object writes it. */
export function toJson(v: SqlValue, t: SqlType): string {
  if (v === null) return "null";
  switch (t.kind) {
    case "array":
      // array_to_json: no space after the commas, unlike json_build_array.
      if (t.vector) return quoteJsonString(formatText(v, t));
      return `[${(v as readonly SqlValue[]).map((e) => toJson(e, t.element)).join(",")}]`;
    case "bool":
      return v ? "true" : "false";
    case "int2":
    case "int4":
    case "int8":
      return String(v);
    case "float4":
    case "float8":
    case "numeric": {
      const text = formatText(v, t);
      // NaN and the infinities are not JSON numbers, so they become strings.
      return /^-?[0-9]/.test(text) ? text : quoteJsonString(text);
    }
    case "json":
      return v as string;
    case "jsonb":
      return formatJsonb(v as Jsonb);
    case "timestamp":
    case "timestamptz": {
      // JSON dates are ISO 8601 with the T separator (and a full offset for timestamptz).
      const text = formatTimestamp(v as number, false);
      if (!Number.isFinite(v as number)) return quoteJsonString(text);
      return quoteJsonString(text.replace(" ", "T").replace(/ BC$/, "") + (t.kind === "timestamptz" ? "+00:00" : "") + (text.endsWith(" BC") ? " BC" : ""));
    }
    default:
      return quoteJsonString(formatText(v, t));
  }
}

function buildObject(args: readonly SqlValue[], types: readonly SqlType[]): string {
  if (args.length % 2 !== 0) throw err("argument list must have even number of elements", "22023");
  const parts: string[] = [];
  for (let k = 0; k < args.length; k += 2) {
    const key = args[k]!;
    if (key === null) throw err(`argument ${k + 1} cannot be null`, "22023");
    parts.push(`${quoteJsonString(formatText(key, types[k]!))} : ${toJson(args[k + 1]!, types[k + 1]!)}`);
  }
  return `{${parts.join(", ")}}`;
}

export function buildArray(args: readonly SqlValue[], types: readonly SqlType[]): string {
  return `[${args.map((v, k) => toJson(v, types[k]!)).join(", ")}]`;
}

function field(node: JsonbNode, key: string): JsonbNode | undefined {
  return node instanceof JsonbObject ? node.get(key) : undefined;
}

function element(node: JsonbNode, index: number): JsonbNode | undefined {
  // A jsonb scalar is stored as a one-element array, and -> reads it as one.
  if (!Array.isArray(node)) return node instanceof JsonbObject || (index !== 0 && index !== -1) ? undefined : node;
  const arr = node as readonly JsonbNode[];
  return arr[index < 0 ? arr.length + index : index];
}

/** A text[] literal's elements: '{a,"b c",0}'. */
function parsePath(text: string): string[] {
  const t = text.trim();
  if (!t.startsWith("{") || !t.endsWith("}")) throw err(`malformed array literal: "${text}"`, "22P02");
  const body = t.slice(1, -1).trim();
  if (body === "") return [];
  const out: string[] = [];
  let k = 0;
  while (k <= body.length) {
    while (body[k] === " ") k++;
    let item = "";
    if (body[k] === '"') {
      k++;
      while (k < body.length && body[k] !== '"') {
        if (body[k] === "\\") k++;
        item += body[k++] ?? "";
      }
      k++;
      while (body[k] === " ") k++;
    } else {
      while (k < body.length && body[k] !== ",") item += body[k++];
      item = item.trim();
      if (item.toLowerCase() === "null") throw err("cannot call function with null path elements", "22004");
    }
    out.push(item);
    if (k >= body.length) break;
    if (body[k] !== ",") throw err(`malformed array literal: "${text}"`, "22P02");
    k++;
  }
  return out;
}

/** A text[] path; a NULL element finds nothing, as in PostgreSQL's #> on a text[]. */
function arrayPath(v: SqlValue): string[] {
  return (v as readonly SqlValue[]).map((e) => (e === null ? "\u0000" : (e as string)));
}

function extractPath(root: JsonbNode, path: readonly string[]): JsonbNode | undefined {
  let node: JsonbNode | undefined = root;
  for (const step of path) {
    if (node === undefined) return undefined;
    if (node instanceof JsonbObject) node = node.get(step);
    else if (Array.isArray(node)) node = /^-?\d+$/.test(step) ? element(node, Number(step)) : undefined;
    else return undefined;
  }
  return node;
}

function asJsonb(n: JsonbNode | undefined): SqlValue {
  return n === undefined ? null : new Jsonb(n);
}

function asText(n: JsonbNode | undefined): SqlValue {
  if (n === undefined || n === null) return null;
  if (typeof n === "string") return n;
  return formatJsonb(new Jsonb(n));
}

// ---- json (text) access ---------------------------------------------------------------------

/** A span of json text: [start, end). The text was validated on input, so the scanner trusts it. */
type Span = [number, number];

class JsonScanner {
  i = 0;
  constructor(readonly text: string) {}

  ws(): void {
    while (this.i < this.text.length && " \t\n\r".includes(this.text[this.i]!)) this.i++;
  }

  /** Skips one value, returning its span. */
  value(): Span {
    this.ws();
    const start = this.i;
    const c = this.text[this.i];
    if (c === '"') this.string();
    else if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      this.i++;
      this.ws();
      if (this.text[this.i] === close) this.i++;
      else {
        for (;;) {
          if (c === "{") {
            this.string();
            this.ws();
            this.i++; // the colon
          }
          this.value();
          this.ws();
          if (this.text[this.i++] === close) break;
        }
      }
    } else {
      while (this.i < this.text.length && !" \t\n\r,]}".includes(this.text[this.i]!)) this.i++;
    }
    return [start, this.i];
  }

  string(): string {
    this.ws();
    const start = this.i++;
    while (this.text[this.i] !== '"') this.i += this.text[this.i] === "\\" ? 2 : 1;
    this.i++;
    return JSON.parse(this.text.slice(start, this.i)) as string;
  }

  /** Spans of an object's members (last duplicate wins) or an array's elements; undefined for scalars. */
  children(): { keys?: Map<string, Span>; items?: Span[] } | undefined {
    this.ws();
    const c = this.text[this.i];
    if (c !== "{" && c !== "[") return undefined;
    this.i++;
    const keys = new Map<string, Span>();
    const items: Span[] = [];
    this.ws();
    if (this.text[this.i] === (c === "{" ? "}" : "]")) return c === "{" ? { keys } : { items };
    for (;;) {
      if (c === "{") {
        const k = this.string();
        this.ws();
        this.i++;
        keys.set(k, this.value());
      } else items.push(this.value());
      this.ws();
      if (this.text[this.i++] !== ",") break;
    }
    return c === "{" ? { keys } : { items };
  }
}

function jsonStep(text: string, span: Span, step: string | number, objectKeysOnly: boolean): Span | undefined {
  const sc = new JsonScanner(text.slice(0, span[1]));
  sc.i = span[0];
  const ch = sc.children();
  if (ch === undefined) return undefined;
  if (typeof step === "string") {
    if (ch.keys) return ch.keys.get(step);
    if (objectKeysOnly || !/^-?\d+$/.test(step)) return undefined;
    step = Number(step);
  }
  if (!ch.items) return undefined;
  return ch.items[step < 0 ? ch.items.length + step : step];
}

/** `objectKeysOnly`: -> with a text key never indexes arrays (only #> paths do). */
function jsonGet(text: string, path: readonly (string | number)[], asText: boolean, objectKeysOnly = false): SqlValue {
  let span: Span | undefined = new JsonScanner(text).value();
  for (const step of path) {
    if (span === undefined) return null;
    span = jsonStep(text, span, step, objectKeysOnly);
  }
  if (span === undefined) return null;
  const raw = text.slice(span[0], span[1]);
  if (!asText) return raw;
  if (raw === "null") return null;
  return raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
}

const root = (v: SqlValue | undefined): JsonbNode => (v as Jsonb).root;
const vec = (v: SqlValue | undefined): Float32Array => v as Float32Array;

/** pgvector's float8 results; Numeric is never involved but keeps formatting in one place. */
const VV = ["vector", "vector"] as const;

export const JSON_FUNCTIONS: readonly Overload[] = [
  fn("json_build_object", [], "json", (args, _c, types) => buildObject(args, types), { variadic: "any", strict: false }),
  fn("jsonb_build_object", [], "jsonb", (args, _c, types) => parseJsonb(buildObject(args, types)), { variadic: "any", strict: false }),
  fn("json_build_array", [], "json", (args, _c, types) => buildArray(args, types), { variadic: "any", strict: false }),
  fn("jsonb_build_array", [], "jsonb", (args, _c, types) => parseJsonb(buildArray(args, types)), { variadic: "any", strict: false }),
  fn("->", ["jsonb", "text"], "jsonb", ([j, k]) => asJsonb(field(root(j), k as string))),
  fn("->", ["jsonb", "int4"], "jsonb", ([j, k]) => asJsonb(element(root(j), k as number))),
  fn("->>", ["jsonb", "text"], "text", ([j, k]) => asText(field(root(j), k as string))),
  fn("->>", ["jsonb", "int4"], "text", ([j, k]) => asText(element(root(j), k as number))),
  fn("#>", ["jsonb", "text"], "jsonb", ([j, p]) => asJsonb(extractPath(root(j), parsePath(p as string)))),
  fn("#>", ["jsonb", "array"], "jsonb", ([j, p]) => asJsonb(extractPath(root(j), arrayPath(p!)))),
  fn("#>>", ["jsonb", "array"], "text", ([j, p]) => asText(extractPath(root(j), arrayPath(p!)))),
  fn("#>", ["json", "array"], "json", ([j, p]) => jsonGet(j as string, arrayPath(p!), false)),
  fn("#>>", ["json", "array"], "text", ([j, p]) => jsonGet(j as string, arrayPath(p!), true)),
  fn("#>>", ["jsonb", "text"], "text", ([j, p]) => asText(extractPath(root(j), parsePath(p as string)))),
  fn("->", ["json", "text"], "json", ([j, k]) => jsonGet(j as string, [k as string], false, true)),
  fn("->", ["json", "int4"], "json", ([j, k]) => jsonGet(j as string, [k as number], false)),
  fn("->>", ["json", "text"], "text", ([j, k]) => jsonGet(j as string, [k as string], true, true)),
  fn("->>", ["json", "int4"], "text", ([j, k]) => jsonGet(j as string, [k as number], true)),
  fn("#>", ["json", "text"], "json", ([j, p]) => jsonGet(j as string, parsePath(p as string), false)),
  fn("#>>", ["json", "text"], "text", ([j, p]) => jsonGet(j as string, parsePath(p as string), true)),
  // json(b)_extract_path(_text): #> and #>> spelled as functions, strict in the document only
  // (the path elements form one VARIADIC array; a NULL element finds nothing).
  fn("jsonb_extract_path", ["jsonb", "text"], "jsonb", ([j, ...p]) => (j === null ? null : asJsonb(extractPath(root(j), arrayPath(p)))), { variadic: "text", strict: false }),
  fn("jsonb_extract_path_text", ["jsonb", "text"], "text", ([j, ...p]) => (j === null ? null : asText(extractPath(root(j), arrayPath(p)))), { variadic: "text", strict: false }),
  fn("json_extract_path", ["json", "text"], "json", ([j, ...p]) => (j === null ? null : jsonGet(j as string, arrayPath(p), false)), { variadic: "text", strict: false }),
  fn("json_extract_path_text", ["json", "text"], "text", ([j, ...p]) => (j === null ? null : jsonGet(j as string, arrayPath(p), true)), { variadic: "text", strict: false }),
  fn("json_typeof", ["json"], "text", ([j]) => {
    const c = (j as string).trimStart()[0];
    return c === "{" ? "object" : c === "[" ? "array" : c === '"' ? "string" : c === "t" || c === "f" ? "boolean" : c === "n" ? "null" : "number";
  }),
  fn("jsonb_typeof", ["jsonb"], "text", ([j]) => {
    const n = root(j);
    if (n === null) return "null";
    if (typeof n === "string") return "string";
    if (typeof n === "boolean") return "boolean";
    if (n instanceof Numeric) return "number";
    return n instanceof JsonbObject ? "object" : "array";
  }),
  fn("gen_random_uuid", [], "uuid", () => randomUUID(), { volatile: true }),
];

/** pgvector's element-wise arithmetic: equal dimensions, and an infinite element is an overflow. */
function elementwise(a: Float32Array, b: Float32Array, op: (x: number, y: number) => number): Float32Array {
  checkSameDims(a, b);
  const out = new Float32Array(a.length);
  for (let k = 0; k < a.length; k++) {
    out[k] = op(a[k]!, b[k]!);
    if (!Number.isFinite(out[k]!)) throw err("value out of range: overflow", "22003");
  }
  return out;
}

export const VECTOR_FUNCTIONS: readonly Overload[] = [
  fn("+", VV, VECTOR, ([a, b]) => elementwise(vec(a), vec(b), (x, y) => x + y)),
  fn("-", VV, VECTOR, ([a, b]) => elementwise(vec(a), vec(b), (x, y) => x - y)),
  fn("*", VV, VECTOR, ([a, b]) => elementwise(vec(a), vec(b), (x, y) => x * y)),
  fn("vector_dims", ["vector"], "int4", ([v]) => vectorDims(vec(v))),
  fn("vector_norm", ["vector"], "float8", ([v]) => vectorNorm(vec(v))),
  fn("l2_distance", VV, "float8", ([a, b]) => l2Distance(vec(a), vec(b))),
  fn("cosine_distance", VV, "float8", ([a, b]) => cosineDistance(vec(a), vec(b))),
  fn("cosine_similarity", VV, "float8", ([a, b]) => cosineSimilarity(vec(a), vec(b))),
  fn("inner_product", VV, "float8", ([a, b]) => innerProduct(vec(a), vec(b))),
  fn("vector_distance", ["vector", "vector", "text"], "float8", ([a, b, m]) => vectorDistance(vec(a), vec(b), m as string)),
  fn("vector_similarity", ["vector", "vector", "text"], "float8", ([a, b, m]) => vectorSimilarity(vec(a), vec(b), m as string)),
  fn("<->", VV, "float8", ([a, b]) => l2Distance(vec(a), vec(b))),
  fn("<=>", VV, "float8", ([a, b]) => cosineDistance(vec(a), vec(b))),
  fn("<#>", VV, "float8", ([a, b]) => negativeInnerProduct(vec(a), vec(b))),
];
