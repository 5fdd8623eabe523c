import { VECTOR_OPERATORS, type VectorMetric } from "./ast.js";
import { errorAt, type FrameBoundShape, type FrameShape, type ParseContext } from "./context.js";
import { Edits, endsOperand, isRewrittenOperator } from "./edits.js";
import { BOUNDARY, FUNCTION_KEYWORDS, VALUE_KEYWORDS } from "./keywords.js";
import type { Token } from "./lexer.js";
import { characterPosition, SqlPositionedError } from "./errors.js";
import { isOp, isPunct, isWord, type TokenRange } from "./structure.js";

/**
 * Rewrites a token range so that pgsql-ast-parser can parse it and the result maps back to
 * the right AST:
 *
 * - Operators at PostgreSQL's "any other operator" level (`<->`, `<=>`, `<#>`, `||`, `@>`...)
 *   become placeholder calls `op(left, right)`. We find the operands ourselves with
 *   PostgreSQL's precedence: an operand is a unary expression followed by tighter operators
 *   (`::`, `[]`, `.`, `^`, `* / %`, `+ -`, AT TIME ZONE, COLLATE); anything else (comparison,
 *   IS, BETWEEN, LIKE, IN, NOT, AND, OR, commas, clause keywords) ends it. Chains are
 *   left-associative: `a <-> b || c` is `op(op(a, b), c)`.
 * - A `[` where an operand starts (not after something it could subscript) is a vector literal.
 * - `VECTOR(n, COSINE)` types, window frames, `LIMIT ALL` and subqueries holding set
 *   operations or WITH (parsed separately and grafted back) get placeholders too.
 */

/** A parenthesised query the caller parses on its own and grafts back at `index`. */
export interface Graft {
  readonly index: number;
  readonly range: TokenRange;
}

type Level = "expr" | "array";

const SIGNS = new Set(["+", "-"]);
/** Operators binding tighter than "any other operator". */
const HIGH_OPERATORS = new Set(["+", "-", "*", "/", "%", "^"]);
/** Operators binding looser: they end an operand chain. */
const LOOSE_OPERATORS = new Set(["<", ">", "=", "<=", ">=", "<>", "=>"]);
const METRICS: ReadonlySet<string> = new Set<VectorMetric>(["cosine", "l2", "inner"]);
const SET_OPERATIONS = new Set(["union", "intersect", "except"]);
/** Collations that sort by code point, as Alopex always does (PostgreSQL's C locale). */
const C_COLLATIONS: ReadonlySet<string> = new Set(["default", "C", "POSIX", "ucs_basic"]);

const INTERVAL_FIELDS = new Set(["year", "month", "day", "hour", "minute", "second"]);
const INTERVAL_RANGES = new Set(["year to month", "day to hour", "day to minute", "day to second", "hour to minute", "hour to second", "minute to second"]);

/** Words that start a window specification's clauses, so never the name of another window. */
const WINDOW_SPEC_WORDS = new Set(["partition", "order", "rows", "range", "groups"]);

/** An identifier, plain or quoted (a window name). */
const isName = (t: Token | undefined): boolean => t !== undefined && (t.kind === "ident" || t.kind === "qident");

/** A failed parse at token i is encoded as ~i (negative). */
const failed = (r: number) => r < 0;

class Rewriter {
  readonly edits = new Edits();
  readonly grafts: Graft[] = [];

  constructor(readonly ctx: ParseContext) {}

  private tok(i: number): Token | undefined {
    return this.ctx.tokens[i];
  }

  /** The partner of the opener at i when it closes before `end`, else -1. */
  private closing(i: number, end: number): number {
    const m = this.ctx.match[i] ?? -1;
    return m > i && m < end ? m : -1;
  }

  level(start: number, end: number, kind: Level): void {
    this.structures(start, end, kind);
    this.chains(start, end, kind);
  }

  // ---- groups, literals, types -----------------------------------------------------------

  /** Visits the groups of a level (recursing into them) and the token patterns we rewrite. */
  private structures(start: number, end: number, kind: Level): void {
    for (let i = start; i < end; ) {
      const span = this.edits.spans.get(i);
      if (span) {
        i = span.end;
        continue;
      }
      const t = this.tok(i) as Token;
      const close = this.closing(i, end);
      if (close >= 0 && isPunct(t, "(")) {
        if (this.isGraftCandidate(i + 1, close)) this.graft(i + 1, close);
        else if (i > start && isWord(this.tok(i - 1), "over")) this.window(i + 1, close);
        else this.level(i + 1, close, "expr");
        i = close + 1;
        continue;
      }
      if (close >= 0 && isPunct(t, "[")) {
        if (kind === "array" || (i > start && isWord(this.tok(i - 1), "array"))) this.level(i + 1, close, "array");
        else if (i > 0 && endsOperand(this.ctx, i - 1)) this.level(i + 1, close, "expr");
        else this.vectorLiteral(i, close);
        i = close + 1;
        continue;
      }
      if (close >= 0 && isWord(t, "case")) {
        this.level(i + 1, close, "expr");
        i = close + 1;
        continue;
      }
      if (isWord(t, "vector")) this.vectorType(i, start, end);
      if ((isWord(t, "trim") || isWord(t, "position")) && !isPunct(this.tok(i - 1), ".")) this.specialCall(i, end);
      if (isWord(t, "collate")) {
        i = this.collate(i, end);
        continue;
      }
      if (isWord(t, "limit") && i + 1 < end && isWord(this.tok(i + 1), "all")) {
        this.edits.replace.set(i, "");
        this.edits.replace.set(i + 1, "");
      }
      if (isWord(t, "window")) {
        const next = this.windowClause(i, end);
        if (next > i) {
          i = next;
          continue;
        }
      }
      if (i > start && isWord(this.tok(i - 1), "over") && isName(t)) {
        // OVER w: the named window as it is, frame included.
        this.edits.replace.set(i, `(ORDER BY ${this.ctx.registry.windowRef({ name: t.value, bare: true, partitionBy: false })})`);
        i++;
        continue;
      }
      if (isWord(t, "interval") && !isPunct(this.tok(i - 1), ".")) this.intervalQualifier(i, end);
      if (isWord(t, "using") && this.alterColumnTypeUsing(i, start)) {
        i++;
        continue;
      }
      if (t.kind === "ident") this.keywordConstruct(i, start, end);
      if (isOp(t, "*")) this.bareStar(i, start, end);
      i++;
    }
  }

  /**
   * Constructs the library lacks, spelled as something it parses at a nearby precedence and
   * marked so that restore can tell them apart from what the user wrote:
   *
   * - `a IS [NOT] DISTINCT FROM b` and `a IS [NOT] UNKNOWN` become marked `=` / `<>` operators
   *   (the library's `=` level is looser than comparisons, close to PostgreSQL's IS level);
   * - `ESCAPE e` after LIKE, ILIKE or SIMILAR TO becomes a marked `+` on the pattern, which
   *   binds tighter than LIKE as the ESCAPE clause does (other operators in the pattern are
   *   placeholder calls by then);
   * - `SIMILAR TO p` becomes `LIKE 0 <marked +> p`, which restore makes `~ similar_to_escape(p)`,
   *   as PostgreSQL's grammar does;
   * - HAVING without GROUP BY gets a marked GROUP BY, NATURAL JOIN a marked USING;
   * - PRIMARY KEY (a, b DESC) loses its directions to placeholder names.
   */
  private keywordConstruct(i: number, start: number, end: number): void {
    const registry = this.ctx.registry;
    const word = (k: number, w: string) => k < end && isWord(this.tok(k), w);
    switch ((this.tok(i) as Token).value) {
      case "is": {
        const not = word(i + 1, "not");
        const k = not ? i + 2 : i + 1;
        if (word(k, "distinct") && word(k + 1, "from")) {
          this.edits.replace.set(i, registry.markedOperator(not ? "isndf" : "isdf", not ? "=" : "<>"));
          for (let j = i + 1; j <= k + 1; j++) this.edits.replace.set(j, "");
        } else if (word(k, "unknown")) {
          this.edits.replace.set(i, registry.markedOperator(not ? "isnu" : "isu", "="));
          if (not) this.edits.replace.set(i + 1, "");
          this.edits.replace.set(k, "NULL");
        }
        return;
      }
      case "escape":
        if (this.findTopLevel(start, i, (k) => word(k, "like") || word(k, "ilike") || word(k, "similar")) >= 0) {
          this.edits.replace.set(i, registry.markedOperator("esc", "+"));
        }
        return;
      case "similar":
        if (word(i + 1, "to")) {
          this.edits.replace.set(i, `LIKE 0 ${registry.markedOperator("sim", "+")}`);
          this.edits.replace.set(i + 1, "");
        }
        return;
      case "having":
        if (this.findTopLevel(start, i, (k) => word(k, "group") && word(k + 1, "by")) < 0) this.edits.addBefore(i, `GROUP BY ${registry.marker("ng")}()`);
        return;
      case "natural":
        this.naturalJoin(i, end);
        return;
      case "from":
      case "join":
        this.requireSubqueryAlias(i + 1, end);
        return;
      case "primary":
        if (word(i + 1, "key") && isPunct(this.tok(i + 2), "(") && this.closing(i + 2, end) > 0) this.keyDirections(i + 3, this.closing(i + 2, end));
        return;
    }
  }

  /** A select list's `*` takes no alias; the library would read `SELECT * FORM t` as `*` named FORM. */
  private bareStar(i: number, start: number, end: number): void {
    const prev = this.tok(i - 1);
    if (i === start || !(isWord(prev, "select") || isWord(prev, "distinct") || isWord(prev, "all") || isPunct(prev, ","))) return;
    const next = this.tok(i + 1);
    if (i + 1 < end && (isWord(next, "as") || next?.kind === "qident" || (next?.kind === "ident" && !BOUNDARY.has(next.value)))) throw errorAt(this.ctx, i + 1);
  }

  /** PostgreSQL 15 requires an alias on a subquery in FROM; the library would only say "syntax error". */
  private requireSubqueryAlias(open: number, end: number): void {
    const close = this.closing(open, end);
    if (close < 0 || !isPunct(this.tok(open), "(")) return;
    const first = this.tok(open + 1);
    if (!(isWord(first, "select") || isWord(first, "values") || isWord(first, "with"))) return;
    const next = this.tok(close + 1);
    const alias = close + 1 < end && (isWord(next, "as") || next?.kind === "qident" || (next?.kind === "ident" && !BOUNDARY.has(next.value)));
    if (!alias) throw new SqlPositionedError("subquery in FROM must have an alias", "42601", characterPosition(this.ctx.sql, (this.tok(open) as Token).start));
  }

  /** NATURAL [INNER | LEFT | RIGHT | FULL] [OUTER] JOIN item: the item gets `USING (<marker>)`. */
  private naturalJoin(i: number, end: number): void {
    let j = i + 1;
    if (["inner", "left", "right", "full"].some((w) => isWord(this.tok(j), w))) j++;
    if (isWord(this.tok(j), "outer")) j++;
    if (j >= end || !isWord(this.tok(j), "join")) return;
    const itemEnd = this.fromItemEnd(j + 1, end);
    if (itemEnd <= j + 1) return;
    this.edits.replace.set(i, "");
    this.edits.addAfter(itemEnd - 1, `USING ("${this.ctx.registry.marker("nat")}")`);
  }

  /** The end of a FROM item starting at i: a name or parenthesised query, then an alias and column aliases. */
  private fromItemEnd(i: number, end: number): number {
    let j: number;
    if (isPunct(this.tok(i), "(")) {
      const close = this.closing(i, end);
      if (close < 0) return i;
      j = close + 1;
    } else {
      j = this.qualifiedName(i, end);
      if (failed(j)) return i;
    }
    if (isWord(this.tok(j), "as")) j++;
    const alias = this.tok(j);
    if (j < end && (alias?.kind === "qident" || (alias?.kind === "ident" && !BOUNDARY.has(alias.value)))) j++;
    if (isPunct(this.tok(j), "(") && this.closing(j, end) > 0) j = this.closing(j, end) + 1;
    return Math.min(j, end);
  }

  /** `col DESC` / `col ASC` in a PRIMARY KEY column list [start, end). */
  private keyDirections(start: number, end: number): void {
    for (let k = start; k < end; k++) {
      const name = this.tok(k);
      if (name?.kind !== "ident" && name?.kind !== "qident") continue;
      const dir = this.tok(k + 1);
      if (k + 1 >= end || !(isWord(dir, "desc") || isWord(dir, "asc"))) continue;
      if (isWord(dir, "desc")) this.edits.replace.set(k, this.ctx.registry.descendingKey(name.value));
      this.edits.replace.set(k + 1, "");
      k++;
    }
  }

  /**
   * `COLLATE name`: Alopex compares strings by code point, which is what the C collation does,
   * so a clause naming a collation of that behaviour is dropped and any other is an error (no
   * other collation exists here). Returns the index after the clause.
   */
  private collate(i: number, end: number): number {
    let j = i + 1;
    const parts: Token[] = [];
    for (;;) {
      const t = this.tok(j);
      if (j >= end || !t || (t.kind !== "ident" && t.kind !== "qident")) throw errorAt(this.ctx, j);
      parts.push(t);
      j++;
      if (!(j + 1 < end && isPunct(this.tok(j), "."))) break;
      j++;
    }
    const name = parts[parts.length - 1]!;
    const schema = parts.length > 1 ? parts[parts.length - 2]!.value : undefined;
    if (parts.length > 2 || (schema !== undefined && schema !== "pg_catalog") || !C_COLLATIONS.has(name.value)) {
      const shown = parts.map((p) => p.value).join(".");
      throw new SqlPositionedError(`collation "${shown}" for encoding "UTF8" does not exist`, "42704", characterPosition(this.ctx.sql, name.start));
    }
    for (let k = i; k < j; k++) this.edits.replace.set(k, "");
    return j;
  }

  /** A parenthesised query with UNION/INTERSECT/EXCEPT or WITH, which the library gets wrong. */
  isGraftCandidate(start: number, end: number): boolean {
    const first = this.tok(start);
    if (start >= end || !first) return false;
    if (isWord(first, "with")) return true;
    const queryStart = isWord(first, "select") || isWord(first, "values") || isPunct(first, "(");
    return queryStart && this.hasTopLevelSetOperation(start, end);
  }

  hasTopLevelSetOperation(start: number, end: number): boolean {
    for (let i = start; i < end; i++) {
      const t = this.tok(i) as Token;
      if (t.kind === "ident" && SET_OPERATIONS.has(t.value)) return true;
      const close = this.closing(i, end);
      if (close >= 0) i = close;
    }
    return false;
  }

  graft(start: number, end: number): void {
    const g = this.ctx.registry.graft();
    this.edits.spans.set(start, { end, text: g.text });
    this.grafts.push({ index: g.index, range: { start, end } });
  }

  private vectorLiteral(open: number, close: number): void {
    const values: number[] = [];
    for (let i = open + 1; i < close; ) {
      let sign = 1;
      while (i < close && this.tok(i)?.kind === "op" && SIGNS.has(this.tok(i)?.value as string)) {
        if (this.tok(i)?.value === "-") sign = -sign;
        i++;
      }
      const t = this.tok(i);
      if (i >= close || t?.kind !== "number") throw errorAt(this.ctx, i);
      values.push(sign * Number(t.value));
      if (++i === close) break;
      if (!isPunct(this.tok(i), ",")) throw errorAt(this.ctx, i);
      // A comma must be followed by another element: `[1,]` fails at the bracket.
      if (++i === close) throw errorAt(this.ctx, close);
    }
    this.edits.spans.set(open, { end: close + 1, text: this.ctx.registry.vector(values) });
  }

  /** `VECTOR(n, METRIC)` where a type is expected (after a column name, `::`, AS or TYPE). */
  private vectorType(i: number, start: number, end: number): void {
    const open = i + 1;
    const close = this.closing(open, end);
    if (close !== open + 4 || !isPunct(this.tok(open), "(")) return;
    const [n, comma, metric] = [this.tok(open + 1), this.tok(open + 2), this.tok(open + 3)];
    if (n?.kind !== "number" || !isPunct(comma, ",") || metric?.kind !== "ident" || !METRICS.has(metric.value)) return;
    const prev = i > start ? this.tok(i - 1) : undefined;
    const typeContext =
      isPunct(prev, "::") ||
      isWord(prev, "as") ||
      isWord(prev, "type") ||
      prev?.kind === "qident" ||
      (prev?.kind === "ident" && !BOUNDARY.has(prev.value));
    if (!typeContext) return;
    this.edits.replace.set(i, this.ctx.registry.vectorType(metric.value as VectorMetric));
    this.edits.replace.set(open + 2, "");
    this.edits.replace.set(open + 3, "");
  }

  /**
   * TRIM([BOTH|LEADING|TRAILING] [chars] FROM s) and POSITION(sub IN s): the library rejects the
   * first and reads the second as position(sub IN s) with an IN expression. PostgreSQL's own
   * grammar turns them into btrim/ltrim/rtrim(s, chars) and position(s, sub); so do we.
   */
  private specialCall(i: number, end: number): void {
    const open = i + 1;
    const close = this.closing(open, end);
    if (close < 0 || !isPunct(this.tok(open), "(")) return;
    const word = (k: number) => this.tok(k)?.value;
    if (word(i) === "position") {
      const at = this.findTopLevel(open + 1, close, (k) => isWord(this.tok(k), "in"));
      if (at < 0) return;
      this.edits.replace.set(at, ",");
      this.edits.replace.set(i, this.ctx.registry.specialCall({ name: "position", firstArgumentLast: true }));
      return;
    }
    let j = open + 1;
    const modes: Record<string, string> = { both: "btrim", leading: "ltrim", trailing: "rtrim" };
    const mode = isWord(this.tok(j), "both") || isWord(this.tok(j), "leading") || isWord(this.tok(j), "trailing") ? word(j) : undefined;
    if (mode) this.edits.replace.set(j++, "");
    const from = this.findTopLevel(j, close, (k) => isWord(this.tok(k), "from"));
    if (from >= 0) this.edits.replace.set(from, from === j ? "" : ",");
    const name = modes[mode ?? "both"] as string;
    this.edits.replace.set(i, this.ctx.registry.specialCall({ name, firstArgumentLast: from > j }));
  }

  // ---- window frames ---------------------------------------------------------------------

  /**
   * OVER (... ROWS BETWEEN a PRECEDING AND CURRENT ROW): the library has no frames, so the
   * frame becomes a last ORDER BY item `frame(offsets...)`, removed again from its AST.
   */
  private window(start: number, end: number): void {
    const first = this.tok(start);
    // OVER (w ...): the name of another window comes first; these words cannot be one.
    const ref = start < end && isName(first) && !WINDOW_SPEC_WORDS.has((first as Token).value) ? start : -1;
    const bodyStart = ref >= 0 ? start + 1 : start;
    const k = this.frameStart(bodyStart, end);
    const bodyEnd = k < 0 ? end : k;
    this.level(bodyStart, bodyEnd, "expr");
    let orderBy = -1;
    let partitionBy = false;
    for (let i = bodyStart; i < bodyEnd; i++) {
      if (isWord(this.tok(i), "order") && isWord(this.tok(i + 1), "by") && orderBy < 0) orderBy = i;
      if (isWord(this.tok(i), "partition") && isWord(this.tok(i + 1), "by")) partitionBy = true;
      const close = this.closing(i, bodyEnd);
      if (close >= 0) i = close;
    }
    if (ref >= 0) {
      // The reference becomes the first ORDER BY item, a marker restore takes out again.
      const marker = this.ctx.registry.windowRef({ name: (first as Token).value, bare: false, partitionBy });
      this.edits.replace.set(ref, "");
      if (orderBy >= 0) {
        this.edits.replace.set(orderBy, `ORDER BY ${marker},`);
        this.edits.replace.set(orderBy + 1, "");
      } else if (k >= 0) {
        this.edits.addBefore(k, `ORDER BY ${marker}`);
      } else if (bodyStart < end) {
        this.edits.addAfter(end - 1, `ORDER BY ${marker}`);
      } else {
        this.edits.replace.set(ref, `ORDER BY ${marker}`);
      }
      orderBy = ref;
    }
    if (k < 0) return;
    const hasOrderBy = orderBy >= 0;
    const frame = new FrameParser(this, k, end);
    const shape = frame.parse();
    for (let i = k; i < end; i++) if (!frame.kept.has(i)) this.edits.replace.set(i, "");
    this.edits.replace.set(k, `${hasOrderBy ? "," : "ORDER BY"} ${this.ctx.registry.frame(shape)}`);
    frame.offsets.forEach((r, n) => {
      if (n > 0) this.edits.addBefore(r.start, ",");
      this.level(r.start, r.end, "expr");
    });
    this.edits.addAfter(end - 1, ")");
  }

  /**
   * WINDOW w AS (spec) [, ...] (which the library lacks) becomes ORDER BY items of the SELECT,
   * `<marker>() OVER (spec)`, ahead of its own ORDER BY items; restore moves them back into a
   * window list. Returns where scanning resumes, or i when the words are not such a clause.
   */
  private windowClause(i: number, end: number): number {
    const entries: { name: number; close: number }[] = [];
    let j = i + 1;
    for (;;) {
      const close = isName(this.tok(j)) && isWord(this.tok(j + 1), "as") && isPunct(this.tok(j + 2), "(") ? this.closing(j + 2, end) : -1;
      if (close < 0) return i;
      entries.push({ name: j, close });
      j = close + 1;
      if (j >= end || !isPunct(this.tok(j), ",")) break;
      j++;
    }
    this.edits.replace.set(i, "ORDER BY");
    for (const e of entries) {
      this.edits.replace.set(e.name, this.ctx.registry.windowDefinition((this.tok(e.name) as Token).value));
      this.edits.replace.set(e.name + 1, "OVER");
      this.window(e.name + 3, e.close);
    }
    const order = this.findTopLevel(j, end, (k) => isWord(this.tok(k), "order") && isWord(this.tok(k + 1), "by"));
    if (order >= 0) {
      this.edits.replace.set(order, ",");
      this.edits.replace.set(order + 1, "");
    }
    return j;
  }

  /**
   * `interval day to second`, `interval 'x' hour`: the library has no field qualifiers (it reads
   * `interval '1' day` as a column alias), so the type becomes a placeholder type name standing
   * for them, and the literal form `CAST('x' AS <placeholder>)`. A precision after the fields
   * stays in place as the type's modifier.
   */
  private intervalQualifier(i: number, end: number): void {
    const literal = this.tok(i + 1)?.kind === "string";
    const first = literal ? i + 2 : i + 1;
    const field = (k: number) => {
      const t = this.tok(k);
      return k < end && t?.kind === "ident" && INTERVAL_FIELDS.has(t.value) ? t.value : undefined;
    };
    const from = field(first);
    if (from === undefined) return;
    const to = isWord(this.tok(first + 1), "to") ? field(first + 2) : undefined;
    const fields = to === undefined ? from : `${from} to ${to}`;
    if (to !== undefined && !INTERVAL_RANGES.has(fields)) return;
    const last = to === undefined ? first : first + 2;
    const name = this.ctx.registry.intervalType(fields);
    for (let k = first + 1; k <= last; k++) this.edits.replace.set(k, "");
    if (!literal) {
      this.edits.replace.set(i, name);
      this.edits.replace.set(first, "");
      return;
    }
    this.edits.replace.set(i, "CAST(");
    this.edits.replace.set(first, `AS ${name}`);
    const close = isPunct(this.tok(last + 1), "(") ? this.closing(last + 1, end) : -1;
    this.edits.addAfter(close >= 0 ? close : last, ")");
  }

  /**
   * ALTER TABLE ... ALTER COLUMN c TYPE t USING expr: the library has no USING there, so the
   * expression is written as the default of a marker column, `..., ALTER COLUMN <marker> SET
   * DEFAULT expr`, which restore folds back into the type change as its `using`.
   */
  private alterColumnTypeUsing(i: number, start: number): boolean {
    if (!isWord(this.tok(start), "alter") || !isWord(this.tok(start + 1), "table")) return false;
    let sawType = false;
    for (let k = i - 1; k > start; k--) {
      const t = this.tok(k) as Token;
      if (isPunct(t, ",")) break;
      if (isWord(t, "type") && !isPunct(this.tok(k - 1), ".")) sawType = true;
    }
    if (!sawType) return false;
    this.edits.replace.set(i, `, ALTER COLUMN ${this.ctx.registry.marker("us")} SET DEFAULT`);
    return true;
  }

  private frameStart(start: number, end: number): number {
    for (let i = start; i < end; i++) {
      const t = this.tok(i) as Token;
      const modeWord = isWord(t, "rows") || isWord(t, "range") || isWord(t, "groups");
      if (modeWord && i + 1 < end && (i === start || !(isWord(this.tok(i - 1), "by") || isPunct(this.tok(i - 1), ",")))) return i;
      const close = this.closing(i, end);
      if (close >= 0) i = close;
    }
    return -1;
  }

  /** The index of the first top-level token in [start, end) satisfying `pred`, or -1. */
  findTopLevel(start: number, end: number, pred: (i: number) => boolean): number {
    for (let i = start; i < end; i++) {
      if (pred(i)) return i;
      const close = this.closing(i, end);
      if (close >= 0) i = close;
    }
    return -1;
  }

  // ---- operator chains -------------------------------------------------------------------

  private chains(start: number, end: number, kind: Level): void {
    for (let i = start; i < end; ) {
      const span = this.edits.spans.get(i);
      if (span && !isPunct(this.tok(i), "[")) {
        i = span.end;
        continue;
      }
      const first = this.operand(i, end, kind);
      if (failed(first)) {
        const t = this.tok(i) as Token;
        if (t.kind === "op" && (VECTOR_OPERATORS as readonly string[]).includes(t.value)) throw errorAt(this.ctx, i);
        const close = this.closing(i, end);
        i = close >= 0 ? close + 1 : i + 1;
        continue;
      }
      i = this.chain(i, first, end, kind);
    }
  }

  /** Rewrites the chain starting with operand [start, firstEnd); returns where scanning resumes. */
  private chain(start: number, firstEnd: number, end: number, kind: Level): number {
    const ops: number[] = [];
    const operandEnds: number[] = [firstEnd];
    let j = firstEnd;
    while (j < end && this.isChainOperator(this.tok(j))) {
      const next = this.operand(j + 1, end, kind);
      if (failed(next)) {
        const t = this.tok(j) as Token;
        if ((VECTOR_OPERATORS as readonly string[]).includes(t.value)) throw errorAt(this.ctx, ~next);
        this.rewriteChain(start, ops, operandEnds);
        return j + 1;
      }
      ops.push(j);
      operandEnds.push(next);
      j = next;
    }
    this.rewriteChain(start, ops, operandEnds);
    return j;
  }

  private rewriteChain(start: number, ops: number[], operandEnds: number[]): void {
    let opening = "";
    ops.forEach((op, k) => {
      const t = this.tok(op) as Token;
      if (!isRewrittenOperator(t)) return;
      opening = this.ctx.registry.operatorCall(t.value) + opening;
      this.edits.replace.set(op, ",");
      this.edits.addAfter((operandEnds[k + 1] as number) - 1, ")");
    });
    if (opening) this.edits.addBefore(start, opening);
  }

  private isChainOperator(t: Token | undefined): boolean {
    return t !== undefined && t.kind === "op" && !HIGH_OPERATORS.has(t.value) && !LOOSE_OPERATORS.has(t.value);
  }

  /**
   * Operand of an "other" operator: unary expressions joined by tighter operators. Once a
   * primary is read the operand never fails: a broken continuation (`a + FROM`) just ends it
   * and is left for the library to report, which also keeps the scan linear.
   */
  operand(i: number, end: number, kind: Level): number {
    let j = this.signedPrimary(i, end, kind);
    if (failed(j)) return j;
    for (;;) {
      const next = this.continuation(j, end, kind);
      if (failed(next) || next === j) return j;
      j = next;
    }
  }

  /** A postfix (`::type`, `[i]`, `.field`, COLLATE) or a tighter binary operator with its operand. */
  private continuation(j: number, end: number, kind: Level): number {
    if (j >= end) return j;
    const t = this.tok(j) as Token;
    if (isPunct(t, "::")) return this.typeName(j + 1, end);
    if (isPunct(t, "[") && this.closing(j, end) >= 0) return this.closing(j, end) + 1;
    if (isPunct(t, ".") && j + 1 < end && this.isFieldName(this.tok(j + 1))) return j + 2;
    if (isWord(t, "collate")) return this.qualifiedName(j + 1, end);
    if (isWord(t, "at") && isWord(this.tok(j + 1), "time") && isWord(this.tok(j + 2), "zone")) return this.signedPrimary(j + 3, end, kind);
    if (t.kind === "op" && HIGH_OPERATORS.has(t.value)) return this.signedPrimary(j + 1, end, kind);
    return j;
  }

  private signedPrimary(i: number, end: number, kind: Level): number {
    let j = i;
    while (j < end && this.tok(j)?.kind === "op" && SIGNS.has(this.tok(j)?.value as string)) j++;
    if (isOp(this.tok(j), "~")) return this.prefixOperator(j, end, kind);
    return this.primary(j, end, kind);
  }

  /**
   * Prefix `~` (bitwise NOT), which the library cannot parse: a one-argument placeholder call
   * over the operand, which binds like an "other" operator's (`~ 5 + 1` is `~ (5 + 1)`).
   */
  private prefixOperator(op: number, end: number, kind: Level): number {
    const r = this.operand(op + 1, end, kind);
    if (failed(r)) return r;
    this.edits.replace.set(op, this.ctx.registry.operatorCall("~"));
    this.edits.addAfter(r - 1, ")");
    return r;
  }

  private primary(i: number, end: number, kind: Level): number {
    if (i >= end) return ~end;
    const t = this.tok(i) as Token;
    const close = this.closing(i, end);
    switch (t.kind) {
      case "number":
      case "string":
      case "bitstring":
      case "param":
        return i + 1;
      case "qident":
        return this.nameTail(i, i + 1, end);
      case "punct":
        if (isPunct(t, "(") && close >= 0) return close + 1;
        if (isPunct(t, "[") && close >= 0 && (kind === "array" || !endsOperand(this.ctx, i - 1))) return close + 1;
        return ~i;
      case "ident":
        return this.wordPrimary(i, end, close);
      default:
        return ~i;
    }
  }

  private wordPrimary(i: number, end: number, close: number): number {
    const v = (this.tok(i) as Token).value;
    const nextClose = this.closing(i + 1, end);
    if (v === "case") return close >= 0 ? close + 1 : ~i;
    if (v === "array") return nextClose >= 0 ? nextClose + 1 : ~i;
    if (VALUE_KEYWORDS.has(v)) return i + 1;
    if (FUNCTION_KEYWORDS.has(v) && isPunct(this.tok(i + 1), "(") && nextClose >= 0) return this.callTail(nextClose + 1, end);
    if (BOUNDARY.has(v)) return ~i;
    return this.nameTail(i, i + 1, end);
  }

  /** After a name: more dotted parts, then a call's arguments, or a typed literal's string. */
  private nameTail(first: number, i: number, end: number): number {
    let j = i;
    while (j + 1 < end && isPunct(this.tok(j), ".") && this.isFieldName(this.tok(j + 1))) j += 2;
    const close = this.closing(j, end);
    if (isPunct(this.tok(j), "(") && close >= 0) return this.callTail(close + 1, end);
    if (j === first + 1 && j < end && this.tok(j)?.kind === "string") return j + 1;
    return j;
  }

  /** WITHIN GROUP (...), FILTER (...) and OVER (...) / OVER name after a call. */
  private callTail(i: number, end: number): number {
    let j = i;
    for (;;) {
      if (isWord(this.tok(j), "within") && isWord(this.tok(j + 1), "group") && this.closing(j + 2, end) >= 0) {
        j = this.closing(j + 2, end) + 1;
      } else if (isWord(this.tok(j), "filter") && this.closing(j + 1, end) >= 0) j = this.closing(j + 1, end) + 1;
      else if (isWord(this.tok(j), "over") && this.closing(j + 1, end) >= 0) j = this.closing(j + 1, end) + 1;
      else if (isWord(this.tok(j), "over") && j + 1 < end && this.tok(j + 1)?.kind === "ident") j += 2;
      else return j;
    }
  }

  private isFieldName(t: Token | undefined): boolean {
    return t !== undefined && (t.kind === "ident" || t.kind === "qident" || isOp(t, "*"));
  }

  private qualifiedName(i: number, end: number): number {
    const t = this.tok(i);
    if (i >= end || (t?.kind !== "ident" && t?.kind !== "qident")) return ~Math.min(i, end);
    let j = i + 1;
    while (j + 1 < end && isPunct(this.tok(j), ".") && this.isFieldName(this.tok(j + 1))) j += 2;
    return j;
  }

  /** A type name after `::`, with the multi-word and modifier forms PostgreSQL accepts there. */
  private typeName(i: number, end: number): number {
    let j = this.qualifiedName(i, end);
    if (failed(j)) return j;
    const name = (this.tok(i) as Token).value;
    if (name === "double" && isWord(this.tok(j), "precision") && j < end) j++;
    if (["character", "char", "bit", "national", "nchar"].includes(name) && isWord(this.tok(j), "varying") && j < end) j++;
    if (isPunct(this.tok(j), "(") && this.closing(j, end) >= 0) j = this.closing(j, end) + 1;
    const zone = (isWord(this.tok(j), "with") || isWord(this.tok(j), "without")) && isWord(this.tok(j + 1), "time");
    if ((name === "timestamp" || name === "time") && zone && isWord(this.tok(j + 2), "zone") && j + 3 <= end) j += 3;
    while (isPunct(this.tok(j), "[") && this.closing(j, end) >= 0) j = this.closing(j, end) + 1;
    return j;
  }
}

/** Parses a frame clause; `kept` are the tokens of offset expressions, everything else is dropped. */
class FrameParser {
  readonly kept = new Set<number>();
  readonly offsets: TokenRange[] = [];
  private pos: number;

  constructor(
    private readonly rw: Rewriter,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  private word(w: string, ahead = 0): boolean {
    return this.pos + ahead < this.end && isWord(this.rw.ctx.tokens[this.pos + ahead], w);
  }

  private expect(w: string): void {
    if (!this.word(w)) throw errorAt(this.rw.ctx, this.pos);
    this.pos++;
  }

  parse(): FrameShape {
    const mode = (this.rw.ctx.tokens[this.pos] as Token).value as FrameShape["mode"];
    this.pos++;
    let startBound: FrameBoundShape;
    let endBound: FrameBoundShape = { type: "current row" };
    if (this.word("between")) {
      this.pos++;
      startBound = this.bound();
      this.expect("and");
      endBound = this.bound();
    } else startBound = this.bound();
    const shape: FrameShape = { mode, start: startBound, end: endBound };
    if (this.word("exclude")) {
      this.pos++;
      if (this.word("current") && this.word("row", 1)) {
        shape.exclude = "current row";
        this.pos += 2;
      } else if (this.word("group") || this.word("ties")) {
        shape.exclude = this.word("group") ? "group" : "ties";
        this.pos++;
      } else {
        this.expect("no");
        this.expect("others");
      }
    }
    if (this.pos < this.end) throw errorAt(this.rw.ctx, this.pos);
    return shape;
  }

  private bound(): FrameBoundShape {
    if (this.word("unbounded")) {
      this.pos++;
      if (this.word("preceding") || this.word("following")) {
        const type = this.word("preceding") ? "unbounded preceding" : "unbounded following";
        this.pos++;
        return { type };
      }
      throw errorAt(this.rw.ctx, this.pos);
    }
    if (this.word("current")) {
      this.pos++;
      this.expect("row");
      return { type: "current row" };
    }
    const tokens = this.rw.ctx.tokens;
    const at = this.rw.findTopLevel(this.pos, this.end, (i) => isWord(tokens[i], "preceding") || isWord(tokens[i], "following"));
    if (at < 0) throw errorAt(this.rw.ctx, this.end);
    if (at === this.pos) throw errorAt(this.rw.ctx, at);
    for (let i = this.pos; i < at; i++) this.kept.add(i);
    this.offsets.push({ start: this.pos, end: at });
    const type = isWord(this.rw.ctx.tokens[at], "preceding") ? "preceding" : "following";
    this.pos = at + 1;
    return { type };
  }
}

/**
 * `INSERT INTO t <query>` with a set operation or WITH in the query: the query is parsed on
 * its own and grafted back, like a parenthesised subquery.
 */
function insertQuery(rw: Rewriter, range: TokenRange): void {
  const { ctx } = rw;
  if (!isWord(ctx.tokens[range.start], "insert")) return;
  // DEFAULT VALUES is VALUES (DEFAULT): a row shorter than the table's columns takes the
  // defaults for the rest, and DEFAULT VALUES allows no column list.
  const dv = rw.findTopLevel(range.start + 1, range.end, (i) => isWord(ctx.tokens[i], "default") && isWord(ctx.tokens[i + 1], "values"));
  if (dv >= 0 && dv + 1 < range.end) {
    rw.edits.replace.set(dv, "VALUES (DEFAULT)");
    rw.edits.replace.set(dv + 1, "");
    return;
  }
  const startsQuery = (i: number): boolean => {
    const t = ctx.tokens[i];
    if (isWord(t, "select") || isWord(t, "values") || isWord(t, "with")) return true;
    // A parenthesised query, not the column list.
    return isPunct(t, "(") && (ctx.match[i] ?? -1) > i && startsQuery(i + 1);
  };
  const q = rw.findTopLevel(range.start + 1, range.end, startsQuery);
  if (q < 0) return;
  const t = (i: number) => ctx.tokens[i];
  let end = rw.findTopLevel(q, range.end, (i) => isWord(t(i), "returning") || (isWord(t(i), "on") && isWord(t(i + 1), "conflict")));
  if (end < 0) end = range.end;
  if (isWord(ctx.tokens[q], "with") || rw.hasTopLevelSetOperation(q, end)) rw.graft(q, end);
}

/** Edits making `range` parseable by the library, and the queries to parse separately. */
export function rewriteRange(ctx: ParseContext, range: TokenRange): { edits: Edits; grafts: Graft[] } {
  const rw = new Rewriter(ctx);
  insertQuery(rw, range);
  rw.level(range.start, range.end, "expr");
  return { edits: rw.edits, grafts: rw.grafts };
}
