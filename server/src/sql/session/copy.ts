/**
 * COPY table [(columns)] FROM STDIN and COPY table|(query) TO STDOUT, as a StatementResult
 * whose `copy` stream the wire protocol drives.
 *
 * COPY FROM runs the plan of `INSERT INTO table (columns) VALUES ($1, ..., $n)`: its VALUES row
 * (parameters, plus defaults for the columns not listed) is evaluated once per record with the
 * record's fields as the parameters, and the insert operator writes each row through the
 * RowWriter, so defaults, NOT NULL, CHECK, uniqueness and indexes hold as for INSERT. Records
 * are read as the data arrives, one at a time: memory is bounded by one record (the
 * transaction's own write buffer aside). An error names the record, PostgreSQL's way:
 * `CONTEXT: COPY t, line 3, column a: "x"`.
 *
 * COPY TO runs `SELECT columns FROM table` (or the query) and sends one CopyData per row.
 */
import { SqlStateError, sqlstateOf } from "../../common/sqlstate-error.js";
import type { Catalog, Table } from "../catalog/index.js";
import type { ExecContext } from "../executor/context.js";
import { InsertOperator } from "../executor/dml.js";
import { compileExpr, type Evaluator } from "../executor/compile.js";
import { buildOperator } from "../executor/build.js";
import type { Operator, Row } from "../executor/operator.js";
import { quoteIdent } from "../functions/index.js";
import { parseSql, type CopyStatement, type Statement } from "../parser/index.js";
import { mapExpr, type ScalarExpr } from "../plan/expr.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { decodeBinary, encodeBinary, formatText, parseText, type SqlType, type SqlValue } from "../types/index.js";
import type { CopyStream, ResultColumn, StatementResult } from "./api.js";
import { CopyDataError, formatCopyLine, formatHeaderLine, type RawRecord, readCopyRecords, recordForContext, resolveCopyOptions, type ResolvedCopyOptions } from "./copy-format.js";
import { readBinaryCopy, binaryCopyHeader, binaryCopyRow, BINARY_COPY_TRAILER } from "./copy-binary.js";

/** What COPY needs from the session that runs it, inside the statement's transaction. */
export interface CopyHost {
  readonly catalog: Catalog;
  /** Analyses and plans a statement; `paramTypes` are the declared types of $1..$n. */
  plan(stmt: Statement, paramTypes: readonly SqlType[]): Promise<{ readonly physical: PhysicalPlan; readonly columns: readonly ResultColumn[]; readonly context: (params: readonly SqlValue[]) => ExecContext }>;
  checkCancel(): void;
  /** Ends the statement (commits an implicit transaction; on error rolls it back or fails the block). Called once. */
  end(err: unknown): Promise<void>;
}

/** Starts a COPY: checks the target and options now, moves the data when the stream is driven. */
export async function startCopy(stmt: CopyStatement, host: CopyHost): Promise<StatementResult> {
  return stmt.direction === "from" ? copyFrom(stmt, host) : copyTo(stmt, host);
}

async function targetTable(stmt: CopyStatement, catalog: Catalog): Promise<Table> {
  const name = stmt.table!;
  if (name.schema && name.schema !== "public") throw new SqlStateError(`relation "${name.schema}.${name.name}" does not exist`, "42P01");
  if ((await catalog.relation(name.name))?.kind === "view") {
    if (stmt.direction === "from") throw new SqlStateError(`cannot copy to view "${name.name}"`, "42809", { hint: "To enable copying to a view, provide an INSTEAD OF INSERT trigger." });
    throw new SqlStateError(`cannot copy from view "${name.name}"`, "42809", { hint: "Try the COPY (SELECT ...) TO variant." });
  }
  return catalog.requireTable(name.name);
}

/** The columns COPY names (all of the table's when it names none), checked as PostgreSQL does. */
function copyColumns(stmt: CopyStatement, table: Table): Table["columns"][number][] {
  if (!stmt.columns) return [...table.columns];
  const out: Table["columns"][number][] = [];
  for (const { name } of stmt.columns) {
    const c = table.columns.find((x) => x.name === name);
    if (!c) throw new SqlStateError(`column "${name}" of relation "${table.name}" does not exist`, "42703");
    if (out.includes(c)) throw new SqlStateError(`column "${name}" specified more than once`, "42701");
    out.push(c);
  }
  return out;
}

function column(name: string, type: SqlType, tableOid = 0, columnNumber = 0): ResultColumn {
  return { name, type, tableOid, columnNumber };
}

/** A finished-or-not COPY result: no rows, the tag counts what moved. */
class CopyResult implements StatementResult {
  readonly columns: readonly ResultColumn[] = [];
  /** Set right after construction (the stream's closures need the result). */
  copy: CopyStream | undefined;
  count = 0;
  private ended = false;

  constructor(private readonly host: CopyHost) {}

  get commandTag(): string {
    return `COPY ${this.count}`;
  }

  async fetch(): Promise<{ rows: readonly (readonly SqlValue[])[]; done: boolean }> {
    return { rows: [], done: true };
  }

  /** Ends the statement once, whichever way it ends. */
  async end(err: unknown): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.host.end(err);
  }

  async close(): Promise<void> {
    await this.end(undefined);
  }
}

// ---- COPY FROM -----------------------------------------------------------------------------

async function copyFrom(stmt: CopyStatement, host: CopyHost): Promise<StatementResult> {
  const table = await targetTable(stmt, host.catalog);
  const columns = copyColumns(stmt, table);
  const names = columns.map((c) => c.name);
  const o = resolveCopyOptions(stmt.options, "from", names);
  const types = columns.map((c) => c.type);
  const insertSql = `INSERT INTO ${quoteIdent(table.name)} (${names.map(quoteIdent).join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")})`;
  const planned = await host.plan(parseSql(insertSql)[0]!, types);
  const insert = planned.physical;
  if (insert.kind !== "insert" || insert.source.kind !== "values" || insert.source.rows.length !== 1) {
    throw new SqlStateError("internal error: COPY FROM expected an INSERT ... VALUES plan", "XX000");
  }
  const resultColumns = columns.map((c) => column(c.name, c.type, table.id, table.columns.indexOf(c) + 1));
  const result = new CopyResult(host);
  result.copy = {
    direction: "in",
    format: o.format,
    columns: resultColumns,
    receive: async (chunks) => {
      const ctx = planned.context([]);
      const writer: { op?: InsertOperator } = {};
      const source = new CopySourceOperator(insert.source as Extract<PhysicalPlan, { kind: "values" }>, ctx, host, columns.length, () => writer.op?.affected ?? 0);
      const records = o.format === "binary" ? binaryRecords(chunks, types) : textRecords(chunks, o, table, columns);
      source.feed(records);
      const op = (writer.op = new InsertOperator(source, insert, ctx));
      try {
        await op.open();
        result.count = op.affected;
        await op.close();
      } catch (e) {
        const err = withCopyContext(e, table.name, source.failed());
        await result.end(err);
        throw err;
      }
      await result.end(undefined);
      return result.count;
    },
  };
  return result;
}

/** A record converted to the columns' values, with what error context needs. */
interface CopyRow {
  readonly values: SqlValue[];
  readonly line: number;
  /** The record as error context quotes it (absent in binary format). */
  readonly text?: string;
}

/** Where the record being written came from, for the CONTEXT line of an error. */
interface CopyPosition {
  readonly line: number;
  readonly text?: string;
}

async function* textRecords(chunks: AsyncIterable<Uint8Array>, o: ResolvedCopyOptions, table: Table, columns: readonly Table["columns"][number][]): AsyncGenerator<CopyRow[]> {
  let first = true;
  for await (const batch of readCopyRecords(chunks, o)) {
    const rows: CopyRow[] = [];
    for (const r of batch) {
      if (first && o.header) {
        first = false;
        if (o.header === "match") checkHeader(r, columns.map((c) => c.name));
        continue;
      }
      first = false;
      rows.push({ values: convertRecord(r, o, table, columns), line: r.line, text: r.text });
    }
    if (rows.length > 0) yield rows;
  }
}

/** HEADER MATCH: the header line must name the columns, in order. */
function checkHeader(r: RawRecord, names: readonly string[]): void {
  if (r.fields.length !== names.length) {
    throw new CopyDataError(`wrong number of fields in header line: got ${r.fields.length}, expected ${names.length}`, "22P04", r.line, r.text);
  }
  r.fields.forEach((f, i) => {
    if (f.isNull) throw new CopyDataError(`column name mismatch in header line field ${i + 1}: got null value ("${f.text}"), expected "${names[i]}"`, "22P04", r.line, r.text);
    if (f.text !== names[i]) throw new CopyDataError(`column name mismatch in header line field ${i + 1}: got "${f.text}", expected "${names[i]}"`, "22P04", r.line, r.text);
  });
}

function convertRecord(r: RawRecord, o: ResolvedCopyOptions, table: Table, columns: readonly Table["columns"][number][]): SqlValue[] {
  // A lone empty line is one empty field; with zero columns it is the expected empty record.
  if (columns.length === 0 && r.fields.length === 1 && r.fields[0]!.text === "" && !r.fields[0]!.quoted) return [];
  if (r.fields.length > columns.length) throw new CopyDataError("extra data after last expected column", "22P04", r.line, r.text);
  if (r.fields.length < columns.length) throw new CopyDataError(`missing data for column "${columns[r.fields.length]!.name}"`, "22P04", r.line, r.text);
  const values: SqlValue[] = new Array<SqlValue>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const f = r.fields[i]!;
    const c = columns[i]!;
    let isNull = f.isNull;
    if (isNull && o.forceNotNull.has(c.name)) isNull = false;
    else if (!isNull && f.quoted && o.forceNull.has(c.name) && f.text === o.null) isNull = true;
    if (isNull) {
      values[i] = null;
      continue;
    }
    try {
      values[i] = parseText(f.text, c.type);
    } catch (e) {
      throw columnError(e, r.line, c.name, f.text, table.name);
    }
  }
  return values;
}

function columnError(e: unknown, line: number, columnName: string, value: string, tableName: string): SqlStateError {
  const state = sqlstateOf(e);
  if (state === undefined || !(e instanceof Error)) throw e;
  return contextError(e, `COPY ${tableName}, line ${line}, column ${columnName}: "${recordForContext(value)}"`);
}

async function* binaryRecords(chunks: AsyncIterable<Uint8Array>, types: readonly SqlType[]): AsyncGenerator<CopyRow[]> {
  for await (const r of readBinaryCopy(chunks, types.length)) {
    yield [{ values: r.fields.map((f, i) => (f === null ? null : decodeBinary(f, types[i]!))), line: r.line }];
  }
}

/**
 * The insert's input: per record, the VALUES row of the plan evaluated over the record's values
 * (its parameter $i read as the record's i-th value), in batches of the records one chunk of
 * data completed. The insert writes a batch's rows in order and counts each it wrote, so the
 * record an error belongs to is the batch's row at that count (see `failed`).
 */
class CopySourceOperator implements Operator {
  private readonly exprs: Evaluator[];
  private records: AsyncIterator<CopyRow[]> | undefined;
  private batch: readonly CopyRow[] = [];
  /** The insert's count of rows written when the current batch was handed over. */
  private batchStart = 0;
  /** The record being evaluated (an error in its default expressions is its own). */
  private evaluating: CopyRow | undefined;

  constructor(
    values: Extract<PhysicalPlan, { kind: "values" }>,
    ctx: ExecContext,
    private readonly host: CopyHost,
    fields: number,
    private readonly written: () => number,
  ) {
    // Negative ids are never a plan's, so the record's values cannot shadow a column.
    const layout = new Map(Array.from({ length: fields }, (_, i) => [-1 - i, i] as const));
    const overRecord = (e: ScalarExpr): ScalarExpr => (e.kind === "param" ? { kind: "column", id: -1 - e.index, type: e.type, name: `$${e.index + 1}` } : e);
    this.exprs = values.rows[0]!.map((e) => compileExpr(mapExpr(e, overRecord), layout, ctx));
  }

  feed(records: AsyncIterable<CopyRow[]>): void {
    this.records = records[Symbol.asyncIterator]();
  }

  /** Where the record an error came from is (undefined before any record). */
  failed(): CopyPosition | undefined {
    const rec = this.evaluating ?? this.batch[this.written() - this.batchStart];
    return rec && { line: rec.line, ...(rec.text !== undefined && { text: rec.text }) };
  }

  async open(): Promise<void> {}

  async next(): Promise<Row[] | null> {
    this.host.checkCancel();
    this.batch = [];
    const r = await this.records!.next();
    if (r.done) return null;
    const out: Row[] = [];
    for (const rec of r.value) {
      this.evaluating = rec;
      const row: Row = new Array<SqlValue>(this.exprs.length);
      for (let i = 0; i < this.exprs.length; i++) {
        const e = this.exprs[i]!;
        row[i] = e.async ? await e.eval(rec.values) : e.eval(rec.values);
      }
      out.push(row);
    }
    this.evaluating = undefined;
    this.batch = r.value;
    this.batchStart = this.written();
    return out;
  }

  async close(): Promise<void> {
    await this.records?.return?.(undefined);
  }
}

/** The error with PostgreSQL's COPY context line; unique violations name the line only, as there. */
function withCopyContext(e: unknown, tableName: string, at: CopyPosition | undefined): unknown {
  if (e instanceof CopyDataError) {
    return contextError(e, `COPY ${tableName}, line ${e.line}${e.text === undefined ? "" : `: "${recordForContext(e.text)}"`}`);
  }
  if (!(e instanceof SqlStateError) || (e as { context?: string }).context !== undefined || at === undefined) return e;
  const showText = e.sqlstate !== "23505" && at.text !== undefined;
  return contextError(e, `COPY ${tableName}, line ${at.line}${showText ? `: "${recordForContext(at.text!)}"` : ""}`);
}

function contextError(e: Error & { sqlstate?: string }, context: string): SqlStateError {
  const src = e as SqlStateError;
  return new SqlStateError(src.message, src.sqlstate, { cause: e, ...(src.detail !== undefined && { detail: src.detail }), ...(src.hint !== undefined && { hint: src.hint }), context });
}

// ---- COPY TO -------------------------------------------------------------------------------

async function copyTo(stmt: CopyStatement, host: CopyHost): Promise<StatementResult> {
  let query: Statement;
  if (stmt.query) {
    query = stmt.query;
  } else {
    const table = await targetTable(stmt, host.catalog);
    const names = copyColumns(stmt, table).map((c) => c.name);
    query = parseSql(`SELECT ${names.map(quoteIdent).join(", ")} FROM ${quoteIdent(table.name)}`)[0]!;
  }
  const planned = await host.plan(query, []);
  const columns = planned.columns;
  if (stmt.query && columns.length === 0) throw new SqlStateError("COPY query must have a RETURNING clause", "0A000");
  const names = columns.map((c) => c.name);
  const o = resolveCopyOptions(stmt.options, "to", names);
  const types = columns.map((c) => c.type);
  const result = new CopyResult(host);
  result.copy = {
    direction: "out",
    format: o.format,
    columns,
    send: () => sendRows(),
  };
  async function* sendRows(): AsyncGenerator<Uint8Array> {
    let err: unknown;
    const op = buildOperator(planned.physical, planned.context([]));
    try {
      if (o.format === "binary") yield binaryCopyHeader();
      else if (o.header) yield Buffer.from(formatHeaderLine(names, o));
      await op.open();
      for (let b = await op.next(); b; b = await op.next()) {
        host.checkCancel();
        for (const row of b) {
          result.count++;
          yield o.format === "binary" ? binaryCopyRow(row, types, encodeBinary) : Buffer.from(formatCopyLine(textValues(row, types), names, o));
        }
      }
      if (o.format === "binary") yield BINARY_COPY_TRAILER;
    } catch (e) {
      err = e;
      throw e;
    } finally {
      await op.close().catch(() => undefined);
      await result.end(err);
    }
  }
  return result;
}

function textValues(row: Row, types: readonly SqlType[]): (string | null)[] {
  const out: (string | null)[] = new Array<string | null>(types.length);
  for (let i = 0; i < types.length; i++) {
    const v = row[i]!;
    out[i] = v === null ? null : formatText(v, types[i]!);
  }
  return out;
}
