/**
 * EXPLAIN golden tests: SQL in, plan out. testdata/explain.golden is a list of blocks
 *
 *   <directive> [expect=Rule,Rule,...]
 *   <SQL, one or more lines>
 *   ----
 *   <expected output, up to the next blank line>
 *
 * with `#` lines as comments between blocks. Directives:
 * - `exec`: runs the statements (setup: tables, rows, ANALYZE); output is empty, or
 *   `ERROR: <sqlstate> <message>` for an expected failure;
 * - `explain`: plans the statement and prints EXPLAIN's lines (costs included). `expect=` names
 *   rules the chosen plan must show (PlannerOptions.trace), checked even when rewriting, so a
 *   plan that stops firing a rule fails loudly instead of being rewritten silently.
 *
 * ALOPEX_EXPLAIN_REWRITE=1 rewrites the file with the outputs the code produces now.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { TxnStore } from "../../txn/txn-store.js";
import { AnalyzerContext, ParamTypes } from "../analyzer/context.js";
import { analyzeStatement } from "../analyzer/statement.js";
import { Catalog, type Index } from "../catalog/index.js";
import { SqlEngine } from "../engine.js";
import { parseSql } from "../parser/index.js";
import { explainPlan } from "../plan/explain.js";
import type { Session } from "../session/session.js";
import { planQuery, type PlannerRule } from "./planner.js";
import { NO_STATS } from "./stats.js";
import { loadTableStats, statsSourceOf } from "./stats-store.js";

const GOLDEN = new URL("./testdata/explain.golden", import.meta.url);
const REWRITE = process.env.ALOPEX_EXPLAIN_REWRITE === "1";

interface Block {
  /** Comment and blank lines before the block, kept when rewriting. */
  readonly preamble: readonly string[];
  readonly directive: "exec" | "explain";
  readonly expect: readonly string[];
  readonly header: string;
  readonly sql: string;
  readonly expected: string;
  readonly line: number;
}

function parseGolden(text: string): { blocks: Block[]; trailer: string[] } {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  let preamble: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === "" || line.startsWith("#")) {
      preamble.push(line);
      i++;
      continue;
    }
    const header = line;
    const [directive, ...args] = header.trim().split(/\s+/);
    if (directive !== "exec" && directive !== "explain") throw new Error(`explain.golden:${i + 1}: unknown directive ${directive}`);
    const expectArg = args.find((a) => a.startsWith("expect="));
    const start = i + 1;
    const sql: string[] = [];
    for (i++; i < lines.length && lines[i] !== "----"; i++) sql.push(lines[i]!);
    if (i >= lines.length) throw new Error(`explain.golden:${start}: no ---- after the SQL`);
    const out: string[] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== ""; i++) out.push(lines[i]!);
    blocks.push({ preamble, directive, expect: expectArg ? expectArg.slice("expect=".length).split(",") : [], header, sql: sql.join("\n"), expected: out.join("\n"), line: start });
    preamble = [];
  }
  return { blocks, trailer: preamble };
}

class Harness {
  private constructor(
    private readonly dir: string,
    private readonly store: TxnStore,
    private readonly engine: SqlEngine,
    private readonly session: Session,
  ) {}

  static async open(): Promise<Harness> {
    const dir = mkdtempSync(join(tmpdir(), "alopex-explain-"));
    const store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
    const engine = new SqlEngine(store);
    return new Harness(dir, store, engine, engine.session());
  }

  async exec(sql: string): Promise<string> {
    try {
      for await (const r of this.session.query(sql)) for (let b = await r.fetch(); !b.done; b = await r.fetch());
      return "";
    } catch (e) {
      return `ERROR: ${sqlstateOf(e)} ${(e as Error).message}`;
    }
  }

  /** Plans the statement as a session would (catalog, indexes, stored statistics) and explains it. */
  async explain(sql: string): Promise<{ text: string; rules: PlannerRule[] }> {
    const tx = await this.store.begin({ isolation: "snapshot", readOnly: true });
    try {
      const catalog = Catalog.of(tx, { store: this.store, cache: this.engine.catalogCache });
      const ctx = new AnalyzerContext(catalog, new ParamTypes([]));
      const logical = await analyzeStatement(parseSql(sql)[0]!, ctx);
      const indexes = new Map<number, readonly Index[]>();
      for (const u of ctx.tableUses) indexes.set(u.id, await catalog.indexesOf(u.id));
      const stats = statsSourceOf(await loadTableStats(catalog, indexes.keys()), NO_STATS);
      const rules: PlannerRule[] = [];
      const physical = planQuery(logical, { indexes: (id) => indexes.get(id) ?? [], stats, trace: (r) => rules.push(r) });
      return { text: explainPlan(physical, { costs: true }).join("\n"), rules };
    } finally {
      await tx.rollback();
    }
  }

  async close(): Promise<void> {
    await this.session.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe("EXPLAIN golden file", () => {
  const { blocks, trailer } = parseGolden(readFileSync(GOLDEN, "utf8"));
  const actual = new Map<Block, string>();
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.open();
  });

  afterAll(async () => {
    await h.close();
    if (!REWRITE) return;
    const out: string[] = [];
    for (const b of blocks) {
      const text = actual.get(b) ?? b.expected;
      out.push(...b.preamble, b.header, b.sql, "----", ...(text === "" ? [] : [text]));
    }
    out.push(...trailer);
    writeFileSync(GOLDEN, out.join("\n"));
  });

  // One test per block, in order: later blocks see what earlier ones created.
  for (const b of blocks) {
    it(`${b.directive} at line ${b.line}: ${b.sql.split("\n")[0]!.slice(0, 60)}`, async () => {
      if (b.directive === "exec") {
        const out = await h.exec(b.sql);
        actual.set(b, out);
        if (!REWRITE) expect(out).toBe(b.expected);
        return;
      }
      const { text, rules } = await h.explain(b.sql);
      actual.set(b, text);
      for (const r of b.expect) expect(rules, `rule ${r} did not fire`).toContain(r);
      if (!REWRITE) expect(text).toBe(b.expected);
    });
  }
});
