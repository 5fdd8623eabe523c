/**
 * The vector search operator: `ORDER BY v <op> q LIMIT k` over one table through an HNSW index
 * (optimizer/vector-routing.ts decides when). It asks the kv store for the nearest index entries
 * the transaction sees, reads each one's row, applies the WHERE filter, and returns the first k
 * that pass, nearest first. When fewer than k come back it answers by an exact scan instead, so
 * the rows are always those the exact plan (scan + top-n sort) returns, up to HNSW's misses:
 *
 * - with a filter, k / selectivity candidates may hold fewer than k rows that pass;
 * - the index holds no NULL vectors, which the exact plan sorts last and returns when fewer than
 *   k rows have a vector (the kv layer's answer is never short, so fewer than k hits prove that).
 */
import type { KvVectorSearchOptions } from "../../kv/kv.js";
import { decodePrimaryKey, decodeVectorKey, indexSpan, rowKeyOfVectorKey, type VectorIndexShape, vectorIndexShape } from "../catalog/index.js";
import { MAX_HNSW_CANDIDATES, type PhysicalPlan } from "../plan/physical.js";
import { FLOAT8, type RowCodec, type SqlValue } from "../types/index.js";
import { checkVector, cosineDistance, l2Distance, negativeInnerProduct } from "../../vector/distance.js";
import { differentDimensions } from "../../vector/errors.js";
import { compileExpr, compilePredicate, type Evaluator, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { RowBatches, type Operator, type Row } from "./operator.js";
import { rowCodecOf, ScanOperator } from "./scan.js";
import { keyComparator } from "./sort.js";

type VectorSearchPlan = Extract<PhysicalPlan, { kind: "vector search" }>;

/** The SQL operator of each metric, for the exact path (same values as `<->`, `<=>`, `<#>`). */
const DISTANCE = { l2: l2Distance, cosine: cosineDistance, inner: negativeInnerProduct } as const;

/** Ascending, NULLs last (the exact plan's ORDER BY), NaN after every number as float8 sorts. */
const byDistance = keyComparator([{ desc: false, nullsFirst: false }], [FLOAT8]);

interface Ranked {
  readonly distance: SqlValue;
  readonly row: Row;
  readonly seq: number;
}

export class VectorSearchOperator implements Operator {
  private readonly shape: VectorIndexShape;
  private readonly codec: RowCodec;
  private readonly filter: ReturnType<typeof compilePredicate>;
  private readonly query: Evaluator;
  private readonly k: Evaluator;
  private readonly span: { start: Buffer; end: Buffer };
  /** Where each primary key column (or the hidden row id, none) goes in a row. */
  private readonly keyPositions: number[];
  private readonly batches = new RowBatches();

  constructor(
    private readonly plan: VectorSearchPlan,
    private readonly ctx: ExecContext,
  ) {
    this.shape = vectorIndexShape(plan.index, plan.table);
    this.codec = rowCodecOf(plan.table);
    this.filter = compilePredicate(plan.filter, layoutOf(plan.columns, plan.rowId), ctx);
    const empty = new Map();
    this.query = compileExpr(plan.query, empty, ctx);
    this.k = compileExpr(plan.k, empty, ctx);
    this.span = indexSpan(plan.index);
    this.keyPositions = plan.table.primaryKey.map((id) => plan.table.columns.findIndex((c) => c.id === id));
  }

  async open(): Promise<void> {
    this.batches.reset([]);
    const limit = await this.k.eval([]);
    const query = (await this.query.eval([])) as Float32Array | null;
    const k = limit === null ? Infinity : Math.max(0, Number(limit));
    if (k === 0) return;
    if (query !== null) {
      // The exact plan would fail on the first row's `v <-> q`, with the column's dimensions first.
      if (query.length !== this.shape.spec.dims) throw differentDimensions(this.shape.spec.dims, query.length);
      checkVector(query);
    }
    if (query === null || k === Infinity) {
      this.batches.reset(await this.exact(query, k));
      return;
    }
    const found = await this.searchIndex(query, k);
    this.batches.reset(found.length >= k ? found : await this.exact(query, k));
  }

  /** Up to k rows from the index's nearest entries that pass the filter, nearest first. */
  private async searchIndex(query: Float32Array, k: number): Promise<Row[]> {
    const p = this.plan;
    const wanted = this.filter ? Math.min(Math.ceil(k / p.selectivity), Math.max(k, MAX_HNSW_CANDIDATES)) : k;
    const options: KvVectorSearchOptions = { index: this.shape.spec, query, k: wanted, efSearch: this.ctx.settings.efSearch, range: this.span };
    const { hits } = await this.ctx.tx.vectorSearch(options);
    const out: Row[] = [];
    for (const hit of hits) {
      let row: Row;
      if (p.keyOnly) {
        row = new Array<SqlValue>(p.table.columns.length).fill(null);
        const key = decodeVectorKey(p.index, p.table, hit.key);
        const positions = this.keyPositions;
        for (let i = 0; i < positions.length; i++) row[positions[i]!] = key[i]!;
        if (p.distance) row.push(hit.distance);
        if (p.rowId) row.push(key[0]!);
      } else {
        const rowKey = rowKeyOfVectorKey(p.index, p.table, hit.key);
        const value = await this.ctx.tx.get(rowKey);
        // NB: the row and its entry are written together, so a visible entry has a visible row.
        if (value === undefined) continue;
        row = this.codec.decode(value);
        if (p.distance) row.push(hit.distance);
        if (p.rowId) row.push(decodePrimaryKey(p.table, rowKey)[0]!);
      }
      if (this.filter) {
        const ok = this.filter(row);
        if (!(ok === true || (ok !== false && (await ok)))) continue;
      }
      out.push(row);
      if (out.length >= k) break;
    }
    return out;
  }

  /** The exact answer: every row that passes the filter, measured, the k nearest kept. */
  private async exact(query: Float32Array | null, k: number): Promise<Row[]> {
    const p = this.plan;
    const scan = new ScanOperator(
      {
        kind: "scan",
        table: p.table,
        alias: p.alias,
        point: false,
        reverse: false,
        columns: p.distance ? p.columns.slice(0, -1) : p.columns,
        ...(p.rowId && { rowId: p.rowId }),
        ...(p.filter && { filter: p.filter }),
        est: p.est,
      },
      this.ctx,
    );
    const width = p.table.columns.length;
    const distance = DISTANCE[this.shape.spec.metric];
    const position = this.shape.position;
    const order = (a: Ranked, b: Ranked) => byDistance([a.distance], [b.distance]) || a.seq - b.seq;
    const kept: Ranked[] = [];
    let seq = 0;
    await scan.open();
    try {
      for (let b = await scan.next(); b; b = await scan.next()) {
        this.ctx.checkCancel();
        for (const row of b) {
          const v = row[position] as Float32Array | null;
          const d = v === null || query === null ? null : distance(v, query);
          // The distance column goes between the table's columns and the hidden row id.
          if (p.distance) row.splice(width, 0, d);
          kept.push({ distance: d, row, seq: seq++ });
        }
        // Bounded like a top-n sort: prune whenever the buffer doubles past k.
        if (kept.length > Math.max(2 * k, 1024)) {
          kept.sort(order);
          kept.length = k;
        }
      }
    } finally {
      await scan.close();
    }
    kept.sort(order);
    if (kept.length > k) kept.length = k;
    return kept.map((r) => r.row);
  }

  async next(): Promise<Row[] | null> {
    return this.batches.next();
  }

  async close(): Promise<void> {
    this.batches.reset([]);
  }
}
