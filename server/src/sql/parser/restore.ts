import type { Expr, FrameBound, NamedWindow, Statement, WindowFrame, WindowRefSpec, WindowSpec } from "./ast.js";
import { REWRITTEN_OPERATORS, type FrameBoundShape, type Registry } from "./context.js";

/**
 * Maps the library's AST of rewritten text back: placeholder calls become the binary
 * operators, vector literals and numbers they stand for, placeholder types and identifiers
 * get their real names, frames move into their window, grafted queries replace their stubs.
 * Rebuilds bottom-up, so a node is fixed after its children.
 */

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** Iterative, because long operator chains make ASTs deeper than the call stack allows. */
export function restore(root: unknown, registry: Registry): unknown {
  const leaf = (v: unknown) => (typeof v === "string" ? restoreIdentifiers(v, registry) : v);
  if (typeof root !== "object" || root === null) return leaf(root);
  const done = new Map<object, unknown>();
  const get = (v: unknown) => (typeof v === "object" && v !== null ? done.get(v) : leaf(v));
  const stack: { value: object; expanded: boolean }[] = [{ value: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { value: object; expanded: boolean };
    if (!top.expanded) {
      top.expanded = true;
      for (const child of Object.values(top.value)) {
        if (typeof child === "object" && child !== null && !done.has(child)) stack.push({ value: child, expanded: false });
      }
      continue;
    }
    stack.pop();
    if (done.has(top.value)) continue;
    if (Array.isArray(top.value)) {
      done.set(top.value, top.value.map(get));
      continue;
    }
    const node: Node = {};
    for (const [k, v] of Object.entries(top.value)) node[k] = get(v);
    done.set(top.value, fixNode(node, registry));
  }
  return done.get(root);
}

function restoreIdentifiers(s: string, registry: Registry): string {
  if (!s.includes(registry.prefix)) return s;
  return s.replace(new RegExp(`${registry.prefix}id(\\d+)`, "g"), (_, n: string) => registry.identifiers[Number(n)] ?? "");
}

function placeholderCall(node: Node, registry: Registry): { kind: string; index: number; args: unknown[] } | null {
  if (node.type !== "call" || !isNode(node.function) || node.function.schema !== undefined) return null;
  const name = node.function.name;
  const p = typeof name === "string" ? registry.parse(name) : null;
  return p ? { ...p, args: Array.isArray(node.args) ? node.args : [] } : null;
}

/** The construct a marked binary operator stands for (see Registry.markedOperator). */
function markedOperator(node: Node, registry: Registry): Node | null {
  if (node.type !== "binary" || typeof node.opSchema !== "string") return null;
  const marker = registry.parse(node.opSchema);
  const { left, right } = node;
  switch (marker?.kind) {
    case "isdf":
    case "isndf":
      return { type: "binary", left, right, op: marker.kind === "isdf" ? "IS DISTINCT FROM" : "IS NOT DISTINCT FROM" };
    case "isu":
    case "isnu":
      return { type: "unary", op: marker.kind === "isu" ? "IS UNKNOWN" : "IS NOT UNKNOWN", operand: left };
    case "sim":
      return { type: "call", function: { name: similarMarker(registry) }, args: [right] };
    case "esc": {
      const similar = isNode(left) && isSimilarPattern(left, registry);
      return similar ? { ...left, args: [...(left.args as unknown[]), right] } : { type: "call", function: { name: "like_escape" }, args: [left, right] };
    }
    default:
      return null;
  }
}

const similarMarker = (registry: Registry) => `${registry.prefix}sim0`;

function isSimilarPattern(node: Node, registry: Registry): boolean {
  return node.type === "call" && isNode(node.function) && node.function.name === similarMarker(registry);
}

/** `a [NOT] LIKE <similar pattern>` is `a [NOT] SIMILAR TO p`: `a ~ similar_to_escape(p)`. */
function similarTo(node: Node, registry: Registry): Node | null {
  if (node.type !== "binary" || (node.op !== "LIKE" && node.op !== "NOT LIKE") || !isNode(node.right) || !isSimilarPattern(node.right, registry)) return null;
  const pattern = { ...node.right, function: { name: "similar_to_escape" } };
  return { type: "binary", left: node.left, right: pattern, op: node.op === "LIKE" ? "~" : "!~" };
}

function fixNode(node: Node, registry: Registry): Node | Statement | Expr {
  const marked = markedOperator(node, registry) ?? similarTo(node, registry);
  if (marked) return marked;
  if (Array.isArray(node.groupBy) && node.groupBy.length === 1 && isNode(node.groupBy[0]) && placeholderCall(node.groupBy[0], registry)?.kind === "ng") {
    delete node.groupBy;
  }
  if (node.type === "alter table" && Array.isArray(node.changes)) foldUsing(node, registry);
  if (Array.isArray(node.using) && node.using.length === 1 && isNode(node.using[0]) && typeof node.using[0].name === "string" && registry.parse(node.using[0].name)?.kind === "nat") {
    delete node.using;
    node.natural = true;
  }
  const call = placeholderCall(node, registry);
  if (call?.kind === "op") {
    if (call.args.length === 1) return { type: "unary", op: REWRITTEN_OPERATORS[call.index], operand: call.args[0] } as unknown as Expr;
    // Same key order as the library's own binary nodes.
    return { type: "binary", left: call.args[0], right: call.args[1], op: REWRITTEN_OPERATORS[call.index] } as Expr;
  }
  if (call?.kind === "sc") {
    const special = registry.specialCalls[call.index] ?? { name: "", firstArgumentLast: false };
    const args = special.firstArgumentLast ? [...call.args.slice(1), ...call.args.slice(0, 1)] : call.args;
    return { ...node, function: { name: special.name }, args } as Expr;
  }
  if (call?.kind === "vec") return { type: "vector literal", values: registry.vectors[call.index] ?? [] };
  if (call?.kind === "num") {
    const n = registry.numbers[call.index] ?? { value: 0, integer: false };
    return { type: n.integer ? "integer" : "numeric", value: n.value, ...(n.text !== undefined ? { text: n.text } : {}) } as Expr;
  }
  const graft = graftIndex(node, registry);
  if (graft !== null) return registry.grafts[graft] as Statement;
  if (Array.isArray(node.orderBy)) {
    attachFrame(node, registry);
    attachWindowRef(node, registry);
    collectWindowClause(node, registry);
  }
  if (typeof node.name === "string" && node.type === undefined) {
    const p = registry.parse(node.name);
    if (p?.kind === "vt") return { ...node, name: "vector", metric: registry.metrics[p.index] };
    if (p?.kind === "it") return { ...node, name: "interval", intervalFields: registry.intervalFields[p.index] };
    if (p?.kind === "dk") return { ...node, name: registry.descendingKeys[p.index] ?? "", descending: true };
  }
  return node;
}

/** `SELECT <q>` stubs left where a separately parsed query goes. */
function graftIndex(node: Node, registry: Registry): number | null {
  if (node.type !== "select" || !Array.isArray(node.columns) || node.columns.length !== 1) return null;
  if (Object.keys(node).some((k) => k !== "type" && k !== "columns")) return null;
  const col = node.columns[0] as unknown;
  if (!isNode(col) || !isNode(col.expr) || col.expr.type !== "ref" || col.expr.table !== undefined) return null;
  const p = typeof col.expr.name === "string" ? registry.parse(col.expr.name) : null;
  return p?.kind === "q" ? p.index : null;
}

/** A window's frame arrives as its last ORDER BY item: `frame(offsets...)`. */
function attachFrame(node: Node, registry: Registry): void {
  const orderBy = node.orderBy as unknown[];
  const last = orderBy[orderBy.length - 1];
  const call = isNode(last) && isNode(last.by) ? placeholderCall(last.by, registry) : null;
  if (call?.kind !== "fr") return;
  const shape = registry.frames[call.index];
  if (!shape) return;
  const args = [...call.args] as Expr[];
  const bound = (b: FrameBoundShape): FrameBound =>
    b.type === "preceding" || b.type === "following" ? { type: b.type, offset: args.shift() as Expr } : { type: b.type };
  const frame: WindowFrame = { mode: shape.mode, start: bound(shape.start), end: bound(shape.end) };
  if (shape.exclude) frame.exclude = shape.exclude;
  orderBy.pop();
  if (orderBy.length === 0) delete node.orderBy;
  node.frame = frame;
}

/** A window naming another arrives with a marker as its first ORDER BY item (see Registry.windowRef). */
function attachWindowRef(node: Node, registry: Registry): void {
  if (!Array.isArray(node.orderBy)) return;
  const orderBy = node.orderBy as unknown[];
  const first = orderBy[0];
  const call = isNode(first) && isNode(first.by) ? placeholderCall(first.by, registry) : null;
  if (call?.kind !== "wr") return;
  const ref = registry.windowRefs[call.index];
  if (!ref) return;
  orderBy.shift();
  if (orderBy.length === 0) delete node.orderBy;
  const over: WindowRefSpec = { name: ref.name, bare: ref.bare, partitionBy: ref.partitionBy };
  node.ref = over;
}

/** A SELECT's WINDOW clause arrives as leading ORDER BY items `<marker>() OVER (spec)`. */
function collectWindowClause(node: Node, registry: Registry): void {
  if (node.type !== "select" || !Array.isArray(node.orderBy)) return;
  const orderBy = node.orderBy as unknown[];
  const windows: NamedWindow[] = [];
  while (orderBy.length > 0) {
    const item = orderBy[0];
    const call = isNode(item) && isNode(item.by) ? placeholderCall(item.by, registry) : null;
    if (call?.kind !== "wd" || !isNode(item) || !isNode(item.by)) break;
    windows.push({ name: registry.windowNames[call.index] ?? "", spec: item.by.over as WindowSpec });
    orderBy.shift();
  }
  if (windows.length === 0) return;
  if (orderBy.length === 0) delete node.orderBy;
  node.window = windows;
}

/**
 * `ALTER COLUMN c TYPE t USING e` arrives as the type change followed by `ALTER COLUMN <marker>
 * SET DEFAULT e` (see the rewriter); the expression becomes the type change's `using`.
 */
function foldUsing(node: Node, registry: Registry): void {
  const changes = node.changes as unknown[];
  const out: unknown[] = [];
  for (const ch of changes) {
    const marker = isNode(ch) && isNode(ch.column) && typeof ch.column.name === "string" ? registry.parse(ch.column.name) : null;
    const previous = out[out.length - 1];
    if (marker?.kind === "us" && isNode(ch) && isNode(ch.alter) && isNode(previous) && isNode(previous.alter) && previous.alter.type === "set type") {
      out[out.length - 1] = { ...previous, alter: { ...previous.alter, using: ch.alter.default } };
    } else {
      out.push(ch);
    }
  }
  node.changes = out;
}
