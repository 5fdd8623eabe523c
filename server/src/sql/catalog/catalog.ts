/**
 * The SQL catalog, read and changed inside a kv transaction (key layout: keys.ts).
 *
 * Because the catalog is ordinary kv data, DDL is transactional: a rolled-back CREATE TABLE
 * leaves nothing, and a transaction reads the catalog of its own snapshot with its own
 * uncommitted DDL on top.
 *
 * Names are taken as given (the analyzer lower-cases unquoted identifiers). Tables, indexes and
 * sequences share one namespace per schema, as relations do in PostgreSQL, so CREATE INDEX t
 * fails when a table t exists (42P07); roles have their own.
 *
 * Concurrency. Every DDL statement first takes the exclusive key lock on the catalog version
 * key, so DDL transactions run one at a time:
 * - at Repeatable Read / Snapshot / Serializable, taking that lock fails with 40001 if any DDL
 *   committed after the transaction's snapshot (first committer wins), so DDL never acts on a
 *   stale catalog, and of two concurrent CREATE TABLE t one fails (40001, or 42P07 if it started
 *   after the other committed);
 * - at Read Committed / Uncommitted, the statement's snapshot is refreshed once the lock is
 *   held, so the DDL reads the newest catalog (as PostgreSQL's DDL does) and ids and names
 *   cannot be handed out twice.
 * Ids come from a counter key written in the DDL transaction, so they are never duplicated
 * (and, because ids are never reused, neither are key spaces).
 *
 * Table locks (`tx.lockTable(relationLockName(id), mode)`). On an existing relation they are
 * taken before the version lock, so that a DDL statement waiting for a table's users does not
 * hold up unrelated DDL:
 *
 *   createTable, createSequence        exclusive on the new relation
 *   dropTable, alterTableAddColumn,    exclusive on the table
 *   alterTableDropColumn, renameTable,
 *   renameColumn
 *   createIndex                        shared on the table (readers go on, writers wait: PostgreSQL's SHARE)
 *   dropIndex                          exclusive on the index's table
 *   dropSequence                       exclusive on the sequence (CASCADE: also on the owning table)
 *   roles                              none (the version key lock alone)
 *   nextval / setval / nextRowId       none; an exclusive key lock on the state in a short transaction
 *   useTable (DML)                     the caller's mode, plus a shared key lock on the table's
 *                                      descriptor for writes (see useTable)
 *
 * DDL that reads table data (createIndex's build, ADD COLUMN NOT NULL's emptiness check) runs
 * after the table lock. At Read Committed the refreshed snapshot then holds every committed
 * row. At Repeatable Read / Snapshot the snapshot may predate rows committed by writers the lock
 * waited for: with a store, the scan is compared with the newest committed data and any row that
 * differs and was not written by this transaction fails the DDL with 40001 (a key lock on a key
 * committed after the snapshot does that); Serializable's own read validation does the same.
 *
 * Caching. Decoded entries are cached per transaction (a second read of a table returns the
 * same frozen object), and, given a CatalogCache, shared between transactions that read the same
 * catalog version (cache.ts). After its first DDL a transaction keeps a private cache, updated as
 * it writes.
 */
import { randomBytes } from "node:crypto";
import type { KvCursor, KvEntry, KvStore, KvTransaction, TableLockMode } from "../../kv/kv.js";
import { SqlStateError } from "../../common/sqlstate-error.js";
import { formatText, formatType, isValueOfType, representationError, RowCodec, type SqlType, type SqlValue, typeNameForMessages } from "../types/index.js";
import type { CatalogCache } from "./cache.js";
import {
  decodeCounter,
  decodeIndex,
  decodeRole,
  decodeSequence,
  decodeTable,
  decodeVersion,
  decodeView,
  type DroppedSpan,
  encodeCounter,
  encodeDropped,
  encodeIndex,
  encodeRole,
  encodeSequence,
  encodeTable,
  encodeVersion,
  encodeView,
  freezeTable,
} from "./codec.js";
import * as err from "./errors.js";
import {
  decodePrimaryKey,
  decodeRelationRef,
  droppedKey,
  encodeIndexKey,
  encodeIndexPrefix,
  encodePrimaryKey,
  encodeRelationRef,
  encodeVectorKey,
  FIRST_OBJECT_ID,
  indexSpan,
  indexesPrefix,
  indexKey,
  NEXT_ID_KEY,
  prefixSpan,
  primaryKeyOf,
  type RelationRef,
  relationKey,
  relationLockName,
  ROLES_PREFIX,
  roleKey,
  rowIdStateKey,
  statsKey,
  SEQUENCES_PREFIX,
  sequenceKey,
  sequenceStateKey,
  TABLES_PREFIX,
  tableDataSpan,
  tableKey,
  tableSpan,
  VERSION_KEY,
  viewKey,
  VIEWS_PREFIX,
} from "./keys.js";
import {
  type AlterRoleSpec,
  type Check,
  type CheckSpec,
  type Column,
  type ColumnSpec,
  type CreateIndexSpec,
  type CreateSequenceSpec,
  type CreateTableSpec,
  type CreateViewSpec,
  type CatalogNotice,
  type DdlResult,
  DEFAULT_SCHEMA,
  done,
  type DropOptions,
  type Index,
  type IndexColumn,
  type KeyColumnSpec,
  type RelationKind,
  type RenameColumnOptions,
  type Role,
  ROLE_ATTRIBUTES,
  type RoleAttributes,
  type RoleSpec,
  type Sequence,
  type SequenceType,
  skipped,
  type Table,
  type View,
} from "./model.js";
import {
  nextvalInStore,
  nextvalInTransaction,
  SEQUENCE_TYPE_BOUNDS,
  type SequenceParams,
  sequenceFromSpec,
  SequenceSession,
  type SequenceTarget,
  setvalInStore,
  setvalInTransaction,
} from "./sequences.js";
import { vectorIndexShape } from "./vector-index.js";

export interface CatalogOptions {
  /**
   * The store the transaction belongs to. With it, nextval/setval/nextRowId are
   * non-transactional (short transactions of their own, see sequences.ts) and snapshot-level DDL
   * that reads table data is checked against the newest committed data. Without it nextval is
   * transactional.
   */
  readonly store?: KvStore;
  /** Decoded entries shared between transactions (one per store, or one per process). */
  readonly cache?: CatalogCache;
  /** The session's currval/lastval state. */
  readonly session?: SequenceSession;
}

/** How a transaction's snapshot behaves, which decides how long cached entries stay right. */
type ViewMode = "snapshot" | "statement" | "dirty";

interface EntryView {
  /** The catalog version the entries belong to; undefined for a private view. */
  readonly token: string | undefined;
  readonly entries: Map<string, unknown>;
}

const EMPTY = Buffer.alloc(0);
const SERIAL_TYPES: readonly string[] = ["int2", "int4", "int8"];
/** Hidden row ids: a sequence per table, cached generously since their order means nothing. */
const ROW_ID_PARAMS: SequenceParams = { start: 1n, increment: 1n, min: 1n, max: SEQUENCE_TYPE_BOUNDS.int8.max, cycle: false, cache: 100 };

function viewMode(tx: KvTransaction): ViewMode {
  if (tx.isolation === "read-uncommitted") return "dirty";
  return tx.isolation === "read-committed" ? "statement" : "snapshot";
}

const sameRef = (a: RelationRef | undefined, b: RelationRef | undefined) => a?.kind === b?.kind && a?.id === b?.id;

const keyColumn = (c: string | KeyColumnSpec): KeyColumnSpec => (typeof c === "string" ? { column: c } : c);

/** Whether values of `t` can be key components (primary keys, btree indexes), as toKeyValue allows. */
function checkKeyType(t: SqlType): void {
  if (t.kind === "json") throw err.noOperatorClass(typeNameForMessages(t), "btree");
  if (t.kind === "jsonb" || t.kind === "vector") throw err.notSupported(`values of type ${typeNameForMessages(t)} cannot be used in keys`);
}

/** SQL text of a string literal / identifier, quoted as PostgreSQL prints them. */
const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;
const quoteIdent = (s: string) => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`);

function nextvalDefault(sequence: string): string {
  return `nextval(${quoteLiteral(quoteIdent(sequence))}::regclass)`;
}

/** The last version key bytes decoded and their token: nearly every transaction reads the same ones. */
let lastVersionBytes: Buffer | undefined;
let lastToken = "";

const tokenOfView = (view: EntryView): string | undefined => view.token;

function tokenOf(bytes: Uint8Array | undefined): string {
  if (bytes === undefined) return decodeVersion(undefined).token;
  if (lastVersionBytes !== undefined && lastVersionBytes.equals(bytes)) return lastToken;
  const token = decodeVersion(bytes).token;
  lastVersionBytes = Buffer.from(bytes);
  lastToken = token;
  return token;
}

export class Catalog {
  private static readonly instances = new WeakMap<KvTransaction, Catalog>();

  private readonly mode: ViewMode;
  private readonly shared: CatalogCache | undefined;
  private view: EntryView | undefined;
  /** Bumped whenever the view is replaced by a private one, so loads begun before are not stored. */
  private generation = 0;
  /** Holds the version key's lock (every DDL statement takes it first). */
  private ddl = false;
  /** Has written a new version token (once per transaction, at its first change). */
  private bumped = false;
  /** Relations created by this transaction: invisible to others, so their sequences stay in it. */
  private readonly created = new Set<number>();

  private constructor(
    readonly tx: KvTransaction,
    private readonly options: CatalogOptions,
  ) {
    this.mode = viewMode(tx);
    const sharable = this.mode !== "dirty" && !(tx.isolation === "serializable" && !tx.readOnly);
    this.shared = sharable ? options.cache : undefined;
  }

  /**
   * The catalog of a transaction: one per transaction (a second call returns the first, and its
   * options), because it tracks the transaction's own DDL.
   */
  static of(tx: KvTransaction, options: CatalogOptions = {}): Catalog {
    let c = Catalog.instances.get(tx);
    if (!c) Catalog.instances.set(tx, (c = new Catalog(tx, options)));
    return c;
  }

  /**
   * Catalog.of for a caller that keeps the catalog as long as it uses the transaction (a SQL
   * session), without registering a new one: registering is a WeakMap insertion, which showed
   * in profiles of short statements. NB: until register() is called, Catalog.of(tx) would make
   * a second catalog, blind to this one's DDL.
   */
  static unregistered(tx: KvTransaction, options: CatalogOptions = {}): Catalog {
    return Catalog.instances.get(tx) ?? new Catalog(tx, options);
  }

  /** Makes Catalog.of(tx) find this catalog (see unregistered). */
  register(): void {
    const known = Catalog.instances.get(this.tx);
    if (known !== undefined && known !== this) throw new Error("a transaction has two catalogs");
    Catalog.instances.set(this.tx, this);
  }

  /**
   * For Read Uncommitted: starts a statement (tx.beginStatement) and forgets cached entries,
   * which may have come from others' uncommitted DDL. Other levels need not call it (Read
   * Committed checks the catalog version on every lookup), but may.
   */
  beginStatement(): void {
    this.tx.beginStatement();
    if (this.mode === "dirty" && !this.ddl) this.view = undefined;
  }

  /**
   * After the transaction rolled back to a savepoint: entries cached since may describe undone
   * DDL, and the version key written by DDL after the savepoint is undone too, so the next
   * catalog write must write it again (or other transactions would keep the old catalog's
   * cached entries after this one commits).
   */
  rolledBackToSavepoint(): void {
    this.bumped = false;
    if (this.ddl) {
      this.generation++;
      this.view = { token: undefined, entries: new Map() };
    }
  }

  /** The catalog version counter this transaction sees (0 before any DDL). */
  async version(): Promise<number> {
    return decodeVersion(await this.tx.get(VERSION_KEY)).counter;
  }

  // ---- reading -------------------------------------------------------------------------------

  private async readToken(): Promise<string> {
    return tokenOf(await this.tx.get(VERSION_KEY));
  }

  /** The view in use, or a new private one (after DDL and at Read Uncommitted the view is always private). */
  private viewOrNew(): EntryView {
    return (this.view ??= { token: undefined, entries: new Map() });
  }

  private async currentView(): Promise<EntryView> {
    if (this.ddl || this.mode === "dirty") return this.viewOrNew();
    if (this.mode === "snapshot" && (this.view || !this.shared)) return this.viewOrNew();
    // Read Committed reads the version at every lookup, since its snapshot moves per statement.
    const token = tokenOf(await this.tx.get(VERSION_KEY));
    if (this.ddl) return this.viewOrNew();
    if (this.view && (this.mode === "snapshot" || this.view.token === token)) return this.view;
    this.view = { token, entries: this.shared?.entries(token) ?? new Map() };
    return this.view;
  }

  /**
   * A cached entry, loaded by `read` on a miss. `related` names further entries the load
   * decoded anyway (a list's members), stored alongside.
   */
  private async load<T>(key: string, read: (known: ReadonlyMap<string, unknown>) => Promise<T>, related?: (value: T) => Iterable<[string, unknown]>): Promise<T> {
    const generation = this.generation;
    const view = await this.currentView();
    if (view.entries.has(key)) return view.entries.get(key) as T;
    const value = await read(view.entries);
    // A moved Read Committed snapshot may have read another version; the token tells.
    const stale = view.token !== undefined && this.mode === "statement" && (await this.readToken()) !== view.token;
    // A DDL statement that started meanwhile replaced the view: the value may include its writes.
    if (stale || generation !== this.generation) return value;
    view.entries.set(key, value);
    for (const [k, v] of related?.(value) ?? []) if (!view.entries.has(k)) view.entries.set(k, v);
    return value;
  }

  private async scanAll(prefix: Buffer): Promise<KvEntry[]> {
    const out: KvEntry[] = [];
    for await (const e of this.tx.scan(prefixSpan(prefix))) out.push(e);
    return out;
  }

  /** What a relation name stands for (table, index or sequence), or undefined. */
  relation(name: string): Promise<RelationRef | undefined> {
    return this.load(`rel:${name}`, async () => {
      const bytes = await this.tx.get(relationKey(DEFAULT_SCHEMA, name));
      return bytes === undefined ? undefined : Object.freeze(decodeRelationRef(bytes));
    });
  }

  /** The entry stored at `key()`, decoded, or undefined when there is none; cached as `cacheKey` (the key is made on a miss only). */
  private loadStored<T>(cacheKey: string, key: () => Uint8Array, decode: (bytes: Uint8Array) => T): Promise<T | undefined> {
    return this.load(cacheKey, async () => {
      const bytes = await this.tx.get(key());
      return bytes === undefined ? undefined : decode(bytes);
    });
  }

  tableById(id: number): Promise<Table | undefined> {
    return this.loadStored(`table:${id}`, () => tableKey(id), decodeTable);
  }

  async getTable(name: string): Promise<Table | undefined> {
    const ref = await this.relation(name);
    return ref?.kind === "table" ? this.tableById(ref.id) : undefined;
  }

  /** The table, or 42P01 / 42809 as PostgreSQL reports a bad name where a table is expected. */
  async requireTable(name: string): Promise<Table> {
    const ref = await this.relation(name);
    if (ref === undefined) throw err.relationMissing(name);
    if (ref.kind !== "table") throw err.wrongObjectType(name, "table");
    return (await this.tableById(ref.id)) ?? this.inconsistent(name);
  }

  /** Every table, in creation (id) order. */
  listTables(): Promise<readonly Table[]> {
    return this.load(
      "tables",
      async (known) => Object.freeze((await this.scanAll(TABLES_PREFIX)).map((e) => decodeTable(e.value)).map((t) => (known.get(`table:${t.id}`) as Table | undefined) ?? t)),
      (tables) => tables.map((t) => [`table:${t.id}`, t]),
    );
  }

  /** The indexes of a table, in creation (id) order. */
  indexesOf(tableId: number): Promise<readonly Index[]> {
    return this.load(
      `indexes:${tableId}`,
      async (known) => Object.freeze((await this.scanAll(indexesPrefix(tableId))).map((e) => decodeIndex(e.value)).map((ix) => (known.get(`index:${ix.id}`) as Index | undefined) ?? ix)),
      (indexes) => indexes.map((ix) => [`index:${ix.id}`, ix]),
    );
  }

  private indexById(tableId: number, id: number): Promise<Index | undefined> {
    return this.loadStored(`index:${id}`, () => indexKey(tableId, id), decodeIndex);
  }

  async getIndex(name: string): Promise<Index | undefined> {
    const ref = await this.relation(name);
    return ref?.kind === "index" ? this.indexById(ref.tableId!, ref.id) : undefined;
  }

  sequenceById(id: number): Promise<Sequence | undefined> {
    return this.loadStored(`sequence:${id}`, () => sequenceKey(id), decodeSequence);
  }

  async getSequence(name: string): Promise<Sequence | undefined> {
    const ref = await this.relation(name);
    return ref?.kind === "sequence" ? this.sequenceById(ref.id) : undefined;
  }

  listSequences(): Promise<readonly Sequence[]> {
    return this.load(
      "sequences",
      async () => Object.freeze((await this.scanAll(SEQUENCES_PREFIX)).map((e) => decodeSequence(e.value))),
      (seqs) => seqs.map((s) => [`sequence:${s.id}`, s]),
    );
  }

  viewById(id: number): Promise<View | undefined> {
    return this.loadStored(`view:${id}`, () => viewKey(id), decodeView);
  }

  async getView(name: string): Promise<View | undefined> {
    const ref = await this.relation(name);
    return ref?.kind === "view" ? this.viewById(ref.id) : undefined;
  }

  /** Every view, in creation (id) order. */
  listViews(): Promise<readonly View[]> {
    return this.load(
      "views",
      async (known) => Object.freeze((await this.scanAll(VIEWS_PREFIX)).map((e) => decodeView(e.value)).map((v) => (known.get(`view:${v.id}`) as View | undefined) ?? v)),
      (views) => views.map((v) => [`view:${v.id}`, v]),
    );
  }

  getRole(name: string): Promise<Role | undefined> {
    return this.loadStored(`role:${name}`, () => roleKey(name), decodeRole);
  }

  /** Every role, by name. */
  listRoles(): Promise<readonly Role[]> {
    return this.load(
      "roles",
      async () => Object.freeze((await this.scanAll(ROLES_PREFIX)).map((e) => decodeRole(e.value))),
      (roles) => roles.map((r) => [`role:${r.name}`, r]),
    );
  }

  private inconsistent(name: string): never {
    throw new SqlStateError(`catalog entry for relation "${name}" is missing its descriptor`, "XX000");
  }

  /**
   * Locks a table for a DML statement and returns its descriptor as of the lock.
   *
   * Read Committed: the statement's snapshot is refreshed once the lock is held (PostgreSQL
   * likewise takes the statement snapshot after locking), so call this for every table of a
   * statement before reading data. Snapshot levels, for modes that write: also takes a shared
   * key lock on the table's descriptor, which fails with 40001 if DDL changed the table (or an
   * index of it) after the snapshot, since writing rows under an outdated schema would, for
   * one, skip a new index's entries; it also makes later DDL on the table wait for this
   * transaction.
   */
  async useTable(name: string, mode: TableLockMode): Promise<Table> {
    let table = await this.requireTable(name);
    for (;;) {
      await this.tx.lockTable(relationLockName(table.id), mode);
      if (this.mode === "snapshot") {
        if (mode !== "intention-shared" && mode !== "shared") await this.tx.lockKey(tableKey(table.id), "shared");
        return table;
      }
      this.tx.beginStatement();
      if (this.mode === "dirty" && !this.ddl) this.view = undefined;
      const now = await this.requireTable(name);
      if (now.id === table.id && now.version === table.version) return now;
      table = now;
    }
  }

  /**
   * The view a name stands for, locked for reading (intention-shared, so DROP VIEW and CREATE OR
   * REPLACE VIEW wait for the transactions using it, as PostgreSQL's AccessShareLock makes
   * them), as of the lock at Read Committed; undefined if the name is not a view's.
   */
  async useView(name: string): Promise<View | undefined> {
    let ref = await this.relation(name);
    while (ref?.kind === "view") {
      await this.tx.lockTable(relationLockName(ref.id), "intention-shared");
      if (this.mode !== "snapshot") {
        this.tx.beginStatement();
        if (this.mode === "dirty" && !this.ddl) this.view = undefined;
        const now = await this.relation(name);
        if (now?.kind !== "view" || now.id !== ref.id) {
          ref = now;
          continue;
        }
      }
      return (await this.viewById(ref.id)) ?? this.inconsistent(name);
    }
    return undefined;
  }

  /**
   * The catalog version this transaction's lookups are answered from when it is a shared one
   * (see cache.ts); undefined after the transaction's own DDL, at Read Uncommitted, for
   * read-write Serializable and without a shared cache. Lookups under one version always agree.
   */
  sharedVersion(): Promise<string | undefined> {
    return this.currentView().then(tokenOfView);
  }

  /**
   * For a statement whose tables were looked up earlier by useTable: takes the locks useTable
   * took, by table id (no lookups; Read Committed's snapshot is refreshed after them as
   * useTable's is), then returns sharedVersion(). If that is the version the earlier lookups
   * were answered from, useTable would find the same tables now; otherwise call it again.
   */
  async relockTables(uses: Iterable<{ readonly id: number; readonly mode: TableLockMode }>): Promise<string | undefined> {
    for (const u of uses) {
      await this.tx.lockTable(relationLockName(u.id), u.mode);
      if (this.mode === "snapshot" && u.mode !== "intention-shared" && u.mode !== "shared") await this.tx.lockKey(tableKey(u.id), "shared");
    }
    if (this.mode === "statement") this.tx.beginStatement();
    return this.sharedVersion();
  }

  /**
   * A table's optimizer statistics as `decode` makes them of the stored bytes, or undefined if
   * it was never analysed. Cached per catalog version like every entry (ANALYZE writes a new
   * version), so `decode` must return an immutable value and be the same function every time.
   */
  tableStatistics<T>(tableId: number, decode: (bytes: Uint8Array) => T): Promise<T | undefined> {
    return this.loadStored(`stats:${tableId}`, () => statsKey(tableId), decode);
  }

  /**
   * ANALYZE: stores a table's statistics. A catalog change like DDL (it takes the version lock
   * and writes a new version, which is how cached statistics and plans made with them are
   * renewed); `encode` gets the new catalog version counter to stamp them with.
   */
  async putTableStatistics(tableId: number, encode: (version: number) => Buffer): Promise<void> {
    await this.beginDdl();
    await this.changed();
    await this.put(statsKey(tableId), encode(await this.version()));
    this.forget(`stats:${tableId}`);
  }

  // ---- DDL plumbing --------------------------------------------------------------------------

  /**
   * The start of every DDL statement: the version key's lock (see the file comment), and a
   * private view from then on. Read Committed refreshes its snapshot each time, so a statement
   * that just waited for a table lock sees the rows committed before it.
   */
  private async beginDdl(): Promise<void> {
    if (!this.ddl) {
      await this.tx.lockKey(VERSION_KEY, "exclusive");
      this.ddl = true;
      this.generation++;
      this.view = { token: undefined, entries: new Map() };
    }
    if (this.mode !== "snapshot") this.tx.beginStatement();
  }

  /** Writes the new version token, once per transaction, before its first catalog write. */
  private async changed(): Promise<void> {
    if (this.bumped) return;
    // The shared cache is only right if every catalog write happens under the version lock.
    if (!this.ddl) throw new SqlStateError("catalog write outside a DDL statement", "XX000");
    const v = decodeVersion(await this.tx.get(VERSION_KEY));
    await this.tx.put(VERSION_KEY, encodeVersion({ counter: v.counter + 1, token: randomBytes(12).toString("base64url") }));
    this.bumped = true;
  }

  private async put(key: Buffer, value: Buffer): Promise<void> {
    await this.changed();
    await this.tx.put(key, value);
  }

  private async del(key: Buffer): Promise<void> {
    await this.changed();
    await this.tx.delete(key);
  }

  /** Sets (or with undefined, marks absent) cached entries of the private view. */
  private remember(key: string, value: unknown): void {
    this.viewOrNew().entries.set(key, value);
  }

  private forget(...keys: string[]): void {
    const entries = this.viewOrNew().entries;
    for (const k of keys) entries.delete(k);
  }

  private async allocateId(): Promise<number> {
    const id = decodeCounter(await this.tx.get(NEXT_ID_KEY), FIRST_OBJECT_ID);
    await this.tx.put(NEXT_ID_KEY, encodeCounter(id + 1));
    return id;
  }

  /**
   * Resolves a name for DDL on it: locks the relation (an index: its table) in `mode` if it is
   * of `kind`, then takes the DDL lock, and answers as of then. A name that moved in between
   * (possible only at Read Committed, whose snapshot the DDL lock refreshes) is resolved again.
   */
  private async resolveForDdl(name: string, kind: RelationKind, mode: TableLockMode): Promise<RelationRef | undefined> {
    let ref = await this.relation(name);
    let locked: number | undefined;
    for (;;) {
      if (ref?.kind === kind) {
        const target = ref.kind === "index" ? ref.tableId! : ref.id;
        if (target !== locked) {
          await this.tx.lockTable(relationLockName(target), mode);
          locked = target;
        }
      }
      await this.beginDdl();
      const now = await this.relation(name);
      if (sameRef(now, ref)) return now;
      ref = now;
    }
  }

  /** The table named for ALTER TABLE, locked exclusively; IF EXISTS gives undefined for a missing one. */
  private async tableForAlter(name: string, ifExists: boolean | undefined): Promise<Table | undefined> {
    const ref = await this.resolveForDdl(name, "table", "exclusive");
    if (ref === undefined) {
      if (ifExists) return undefined;
      throw err.relationMissing(name);
    }
    if (ref.kind !== "table") throw err.wrongObjectType(name, "table");
    return (await this.tableById(ref.id)) ?? this.inconsistent(name);
  }

  private async putRelation(name: string, ref: RelationRef): Promise<void> {
    await this.put(relationKey(DEFAULT_SCHEMA, name), encodeRelationRef(ref));
    this.remember(`rel:${name}`, Object.freeze(ref));
  }

  private async deleteRelation(name: string): Promise<void> {
    await this.del(relationKey(DEFAULT_SCHEMA, name));
    this.remember(`rel:${name}`, undefined);
  }

  private async putTable(t: Table): Promise<void> {
    await this.put(tableKey(t.id), encodeTable(t));
    this.remember(`table:${t.id}`, t);
    this.forget("tables");
  }

  private async putIndex(ix: Index): Promise<void> {
    await this.put(indexKey(ix.tableId, ix.id), encodeIndex(ix));
    this.remember(`index:${ix.id}`, ix);
    this.forget(`indexes:${ix.tableId}`);
  }

  private async putView(v: View): Promise<void> {
    await this.put(viewKey(v.id), encodeView(v));
    this.remember(`view:${v.id}`, v);
    this.forget("views");
  }

  private async putSequence(s: Sequence): Promise<void> {
    await this.put(sequenceKey(s.id), encodeSequence(s));
    this.remember(`sequence:${s.id}`, s);
    this.forget("sequences");
  }

  /** A free relation name: `base`, else base1, base2, ... (PostgreSQL's ChooseRelationName). */
  private async chooseRelationName(base: string, taken: ReadonlySet<string> = new Set()): Promise<string> {
    for (let n = 0; ; n++) {
      const name = n === 0 ? base : `${base}${n}`;
      if (!taken.has(name) && (await this.relation(name)) === undefined) return name;
    }
  }

  /** Bumps a table's version (and stores other changes to it). */
  private async updateTable(table: Table, changes: Partial<Omit<Table, "kind" | "id" | "version">>): Promise<Table> {
    const next = freezeTable({ ...table, ...changes, version: table.version + 1 });
    await this.putTable(next);
    return next;
  }

  /**
   * The table's rows for DDL that reads them, verified against the newest committed data at
   * snapshot levels (see the file comment). Stop early by breaking out of the loop.
   */
  private async *rowsForDdl(table: Table): AsyncGenerator<KvEntry> {
    const span = tableSpan(table);
    const store = this.options.store;
    const verify = this.mode === "snapshot" && this.tx.isolation !== "serializable" && store !== undefined && !this.created.has(table.id);
    if (!verify) {
      const mine = this.tx.scan(span);
      try {
        yield* mine;
      } finally {
        mine.close();
      }
      return;
    }
    const latestTx = await store.begin({ isolation: "read-committed", readOnly: true });
    const mine = this.tx.scan(span);
    const latest = latestTx.scan(span);
    try {
      yield* this.compareScans(mine, latest);
    } finally {
      mine.close();
      latest.close();
      if (latestTx.state === "active") await latestTx.commit();
    }
  }

  /**
   * Yields `mine`; where it differs from `latest`, locks the key, which fails with 40001 if
   * another transaction committed it after this one's snapshot (and does nothing if this
   * transaction wrote it itself).
   */
  private async *compareScans(mine: KvCursor, latest: KvCursor): AsyncGenerator<KvEntry> {
    const next = async (it: AsyncIterator<KvEntry>): Promise<KvEntry | undefined> => {
      const r = await it.next();
      return r.done ? undefined : r.value;
    };
    const a = mine[Symbol.asyncIterator]();
    const b = latest[Symbol.asyncIterator]();
    let x = await next(a);
    let y = await next(b);
    while (x !== undefined || y !== undefined) {
      if (y === undefined || (x !== undefined && Buffer.compare(x.key, y.key) < 0)) {
        await this.tx.lockKey(x!.key, "shared");
        yield x!;
        x = await next(a);
      } else if (x === undefined || Buffer.compare(x.key, y.key) > 0) {
        await this.tx.lockKey(y.key, "shared");
        y = await next(b);
      } else {
        if (!Buffer.from(x.value).equals(y.value)) await this.tx.lockKey(x.key, "shared");
        yield x;
        x = await next(a);
        y = await next(b);
      }
    }
  }

  private async tableIsEmpty(table: Table): Promise<boolean> {
    for await (const _ of this.rowsForDdl(table)) return false;
    return true;
  }

  /** A table id given up (DROP TABLE, or a rewrite into a new id): its entry, rows, row-id state and statistics go. */
  private async retireTableId(id: number): Promise<void> {
    await this.del(tableKey(id));
    await this.markDropped(id, [tableDataSpan(id), prefixSpan(rowIdStateKey(id))]);
    this.remember(`table:${id}`, undefined);
    this.remember(`indexes:${id}`, Object.freeze([]));
    await this.del(statsKey(id));
    this.forget(`stats:${id}`);
  }

  /**
   * Leaves a dropped relation's keys for purgeDroppedData instead of deleting them here: DROP
   * stays O(1), and it never writes a sequence's state, which nextval commits outside DDL (at
   * snapshot levels that write would fail with 40001 whenever nextval ran after the snapshot).
   * Nothing reads the keys meanwhile, since ids are never reused.
   */
  private async markDropped(id: number, spans: readonly DroppedSpan[]): Promise<void> {
    await this.put(droppedKey(id), encodeDropped(spans));
  }

  // ---- tables --------------------------------------------------------------------------------

  async createTable(spec: CreateTableSpec): Promise<DdlResult<Table>> {
    await this.beginDdl();
    if ((await this.relation(spec.name)) !== undefined) {
      if (spec.ifNotExists) return skipped(`relation "${spec.name}" already exists, skipping`);
      throw err.relationExists(spec.name);
    }
    const names = new Set<string>();
    for (const c of spec.columns) {
      if (names.has(c.name)) throw err.columnSpecifiedTwice(c.name);
      names.add(c.name);
    }
    const idOf = new Map(spec.columns.map((c, i) => [c.name, i + 1]));
    const pk = (spec.primaryKey ?? []).map(keyColumn);
    const pkIds: number[] = [];
    for (const k of pk) {
      const id = idOf.get(k.column);
      if (id === undefined) throw err.keyColumnMissing(k.column);
      if (pkIds.includes(id)) throw err.keyColumnTwice(k.column);
      checkKeyType(spec.columns[id - 1]!.type);
      pkIds.push(id);
    }
    const id = await this.allocateId();
    const sequences: Sequence[] = [];
    const taken = new Set<string>();
    const columns: Column[] = [];
    for (const [i, c] of spec.columns.entries()) {
      const columnId = i + 1;
      let column = this.columnFromSpec(c, columnId, spec.name, pkIds.includes(columnId));
      if (c.serial) {
        const seq = await this.serialSequence(spec.name, c, id, columnId, taken);
        sequences.push(seq);
        column = { ...column, default: nextvalDefault(seq.name), serial: seq.name, notNull: true };
      }
      columns.push(column);
    }
    const table = freezeTable({
      kind: "table",
      id,
      name: spec.name,
      columns,
      primaryKey: pkIds,
      primaryKeyDirections: pk.map((k) => k.direction ?? "asc"),
      checks: await this.checksFromSpecs(spec.checks ?? [], spec.name, columns, []),
      nextColumnId: columns.length + 1,
      version: 1,
    });
    await this.tx.lockTable(relationLockName(id), "exclusive");
    await this.putRelation(spec.name, { kind: "table", id });
    await this.putTable(table);
    this.remember(`indexes:${id}`, Object.freeze([]));
    this.created.add(id);
    for (const seq of sequences) await this.addSequence(seq);
    return done(table);
  }

  private columnFromSpec(c: ColumnSpec, id: number, table: string, inPrimaryKey: boolean): Column {
    if (c.serial) {
      if (!SERIAL_TYPES.includes(c.type.kind)) throw new SqlStateError(`serial column "${c.name}" must be of type smallint, integer or bigint`, "42804");
      if (c.default !== undefined) throw new SqlStateError(`multiple default values specified for column "${c.name}" of table "${table}"`, "42601");
    }
    if (c.missing !== undefined && c.missing !== null && !isValueOfType(c.missing, c.type)) throw representationError(c.missing, c.type);
    const column: { -readonly [K in keyof Column]: Column[K] } = { id, name: c.name, type: c.type, notNull: (c.notNull ?? false) || inPrimaryKey };
    if (c.default !== undefined) column.default = c.default;
    if (c.missing !== undefined && c.missing !== null) column.missing = c.missing;
    return column;
  }

  /** The owned sequence of a serial column: `<table>_<column>_seq`, with the column type's range. */
  private async serialSequence(table: string, c: ColumnSpec, tableId: number, columnId: number, taken: Set<string>): Promise<Sequence> {
    const name = await this.chooseRelationName(`${table}_${c.name}_seq`, taken);
    taken.add(name);
    const type = c.type.kind as SequenceType;
    const seq = sequenceFromSpec({ name, type }, await this.allocateId());
    return { ...seq, ownedBy: { tableId, columnId } };
  }

  private async addSequence(seq: Sequence): Promise<void> {
    await this.tx.lockTable(relationLockName(seq.id), "exclusive");
    await this.putRelation(seq.name, { kind: "sequence", id: seq.id });
    await this.putSequence(Object.freeze(seq));
    this.created.add(seq.id);
  }

  private async checksFromSpecs(specs: readonly CheckSpec[], table: string, columns: readonly Column[], existing: readonly Check[]): Promise<Check[]> {
    const out: Check[] = [...existing];
    const used = new Set(existing.map((c) => c.name));
    for (const s of specs) {
      const ids = s.columns?.map((name) => {
        const col = columns.find((c) => c.name === name);
        if (!col) throw err.columnMissing(name);
        return col.id;
      });
      let name = s.name;
      if (name === undefined) {
        const base = s.columns?.length === 1 ? `${table}_${s.columns[0]}_check` : `${table}_check`;
        name = base;
        for (let n = 1; used.has(name); n++) name = `${base}${n}`;
      } else if (used.has(name)) {
        throw err.constraintExists(name, table);
      }
      used.add(name);
      out.push(ids === undefined ? { name, expr: s.expr } : { name, expr: s.expr, columnIds: ids });
    }
    return out;
  }

  /**
   * DROP TABLE: the table, its indexes and owned sequences. Its rows stay until purged
   * (purgeDroppedData), unreachable since the id is never reused. Views that use it are
   * dropped with CASCADE (2BP01 without).
   */
  async dropTable(name: string, options: DropOptions = {}): Promise<DdlResult<Table>> {
    const ref = await this.resolveForDdl(name, "table", "exclusive");
    if (ref === undefined) {
      if (options.ifExists) return skipped(`table "${name}" does not exist, skipping`);
      throw err.dropTargetMissing("table", name);
    }
    if (ref.kind !== "table") throw err.wrongObjectType(name, "table", ref.kind);
    const table = (await this.tableById(ref.id)) ?? this.inconsistent(name);
    await this.dropDependentViews(`table ${name}`, await this.dependentViews([{ id: table.id, what: `table ${name}` }]), options);
    for (const ix of await this.indexesOf(table.id)) await this.removeIndex(ix);
    for (const c of table.columns) if (c.serial !== undefined) await this.removeOwnedSequence(c.serial, table.id);
    await this.deleteRelation(name);
    await this.retireTableId(table.id);
    this.forget("tables");
    return done(table);
  }

  async alterTableAddColumn(tableName: string, spec: ColumnSpec, options: { readonly ifExists?: boolean; readonly ifNotExists?: boolean } = {}): Promise<DdlResult<Table>> {
    const table = await this.tableForAlter(tableName, options.ifExists);
    if (table === undefined) return skipped(`relation "${tableName}" does not exist, skipping`);
    if (table.columns.some((c) => c.name === spec.name)) {
      if (options.ifNotExists) return skipped(`column "${spec.name}" of relation "${tableName}" already exists, skipping`);
      throw err.columnExists(spec.name, tableName);
    }
    let column = this.columnFromSpec(spec, table.nextColumnId, tableName, false);
    const hasValue = column.missing !== undefined;
    if (spec.serial || (column.notNull && !hasValue)) {
      if (!(await this.tableIsEmpty(table))) {
        if (spec.serial) throw err.notSupported(`cannot add serial column "${spec.name}" to table "${tableName}" with rows`);
        throw new SqlStateError(`column "${spec.name}" of relation "${tableName}" contains null values`, "23502");
      }
    }
    let seq: Sequence | undefined;
    if (spec.serial) {
      seq = await this.serialSequence(tableName, spec, table.id, column.id, new Set());
      column = { ...column, default: nextvalDefault(seq.name), serial: seq.name, notNull: true };
    }
    const next = await this.updateTable(table, { columns: [...table.columns, column], nextColumnId: table.nextColumnId + 1 });
    if (seq) await this.addSequence(seq);
    return done(next);
  }

  /**
   * DROP COLUMN: indexes on the column, checks that use it and its owned sequence go with it, as
   * in PostgreSQL. Rows keep the old values (the row codec skips unknown column ids).
   */
  async alterTableDropColumn(tableName: string, columnName: string, options: DropOptions = {}): Promise<DdlResult<Table>> {
    const table = await this.tableForAlter(tableName, options.ifExists);
    if (table === undefined) return skipped(`relation "${tableName}" does not exist, skipping`);
    const column = table.columns.find((c) => c.name === columnName);
    if (column === undefined) {
      if (options.ifExists) return skipped(`column "${columnName}" of relation "${tableName}" does not exist, skipping`);
      throw err.columnMissingOf(columnName, tableName);
    }
    // The primary key is the rows' storage order here; changing it would mean rewriting the table.
    const what = `column ${columnName} of table ${tableName}`;
    const dependents = await this.dependentViews([{ id: table.id, column: column.id, what }]);
    if (!options.cascade && dependents.length > 0) await this.dropDependentViews(what, dependents, options);
    if (table.primaryKey.includes(column.id)) throw err.notSupported(`cannot drop column "${columnName}" of table "${tableName}" because it is part of the primary key`);
    await this.dropDependentViews(what, dependents, options);
    for (const ix of await this.indexesOf(table.id)) {
      if (ix.columns.some((c) => c.columnId === column.id)) {
        await this.removeIndex(ix);
        await this.markDropped(ix.id, [indexSpan(ix)]);
      }
    }
    if (column.serial !== undefined) await this.removeOwnedSequence(column.serial, table.id);
    const next = await this.updateTable(table, {
      columns: table.columns.filter((c) => c.id !== column.id),
      checks: table.checks.filter((c) => !c.columnIds?.includes(column.id)),
    });
    return done(next);
  }

  async renameTable(name: string, newName: string, options: { readonly ifExists?: boolean } = {}): Promise<DdlResult<Table>> {
    const table = await this.tableForAlter(name, options.ifExists);
    if (table === undefined) return skipped(`relation "${name}" does not exist, skipping`);
    if (newName === name) return done(table);
    if ((await this.relation(newName)) !== undefined) throw err.relationExists(newName);
    await this.refuseRenameUnderViews(`table "${name}"`, await this.dependentViews([{ id: table.id, what: "" }]));
    await this.deleteRelation(name);
    await this.putRelation(newName, { kind: "table", id: table.id });
    return done(await this.updateTable(table, { name: newName }));
  }

  async renameColumn(tableName: string, oldName: string, newName: string, options: RenameColumnOptions & { readonly ifExists?: boolean } = {}): Promise<DdlResult<Table>> {
    const table = await this.tableForAlter(tableName, options.ifExists);
    if (table === undefined) return skipped(`relation "${tableName}" does not exist, skipping`);
    const column = table.columns.find((c) => c.name === oldName);
    if (column === undefined) throw err.columnMissing(oldName);
    if (newName === oldName) return done(table);
    if (table.columns.some((c) => c.name === newName)) throw err.columnExists(newName, tableName);
    await this.refuseRenameUnderViews(`column "${oldName}" of table "${tableName}"`, await this.dependentViews([{ id: table.id, column: column.id, what: "" }]));
    const rewrite = options.rewriteExpression;
    const checks = table.checks.map((c) => {
      if (!c.columnIds?.includes(column.id)) return c;
      if (!rewrite) throw err.notSupported(`cannot rename column "${oldName}" of table "${tableName}": check constraint "${c.name}" refers to it by name`);
      return { ...c, expr: rewrite(c.expr, oldName, newName) };
    });
    const columns = table.columns.map((c) => (c.id === column.id ? { ...c, name: newName } : c));
    return done(await this.updateTable(table, { columns, checks }));
  }

  /**
   * TRUNCATE: the table moves to a new id (a fresh, empty key space, like PostgreSQL's new
   * relfilenode) and the old rows become dropped data for purgeDroppedData, so emptying a table
   * costs the same whatever its size and is undone by a rollback. Its indexes, owned sequences
   * and checks go along. NB: the table's id, which clients see as its OID, changes.
   */
  async truncateTable(name: string): Promise<Table> {
    const table = await this.tableForAlter(name, false);
    return (await this.moveTable(table!, {})).table;
  }

  /**
   * ALTER TABLE ... ADD PRIMARY KEY: rows are stored by their primary key, so the table is
   * rewritten into a new id keyed by the new key (and its indexes rebuilt), as PostgreSQL
   * rebuilds a table whose layout changes. The key's columns become NOT NULL. Errors: 42P16 if
   * there is a primary key already, 23502 for a NULL, 23505 for a duplicate (as the unique index
   * `<table>_pkey` would report it). NB: the table's id (its OID) changes.
   */
  async alterTableAddPrimaryKey(tableName: string, columns: readonly (string | KeyColumnSpec)[], options: { readonly ifExists?: boolean } = {}): Promise<DdlResult<Table>> {
    const table = await this.tableForAlter(tableName, options.ifExists);
    if (table === undefined) return skipped(`relation "${tableName}" does not exist, skipping`);
    if (table.primaryKey.length > 0) throw new SqlStateError(`multiple primary keys for table "${tableName}" are not allowed`, "42P16");
    const keys = columns.map(keyColumn);
    const ids: number[] = [];
    for (const k of keys) {
      const col = table.columns.find((c) => c.name === k.column);
      if (!col) throw err.keyColumnMissing(k.column);
      if (ids.includes(col.id)) throw err.keyColumnTwice(k.column);
      checkKeyType(col.type);
      ids.push(col.id);
    }
    const moved = await this.moveTable(table, {
      primaryKey: ids,
      primaryKeyDirections: keys.map((k) => k.direction ?? "asc"),
      columns: table.columns.map((c) => (ids.includes(c.id) ? { ...c, notNull: true } : c)),
    });
    const positions = ids.map((id) => table.columns.findIndex((c) => c.id === id));
    const pkeyIndexName = `${tableName}_pkey`;
    // Keys written so far, to find duplicates without reading back (as an index build does).
    const seen = new Set<string>();
    for await (const e of this.rowsForDdl(table)) {
      const row = moved.codec.decode(e.value);
      for (const p of positions) {
        if (row[p] === null) throw new SqlStateError(`column "${table.columns[p]!.name}" of relation "${tableName}" contains null values`, "23502");
      }
      const key = encodePrimaryKey(moved.table, primaryKeyOf(moved.table, row));
      const k = key.toString("latin1");
      if (seen.has(k)) {
        const names = positions.map((p) => table.columns[p]!.name).join(", ");
        const shown = positions.map((p) => formatText(row[p]!, table.columns[p]!.type)).join(", ");
        throw new err.CatalogError(`could not create unique index "${pkeyIndexName}"`, "23505", `Key (${names})=(${shown}) is duplicated.`);
      }
      seen.add(k);
      await this.tx.put(key, e.value);
    }
    for (const ix of moved.indexes) {
      if (ix.method === "btree") await this.buildIndex(ix, moved.table);
      else await this.buildVectorIndex(ix, moved.table);
    }
    return done(moved.table);
  }

  /**
   * Gives a table a new id with `changes` applied: its name, indexes (same ids, new table id)
   * and owned sequences follow; the old id's data is left for purge. The new key space is empty:
   * the caller fills it.
   */
  private async moveTable(table: Table, changes: Partial<Pick<Table, "primaryKey" | "primaryKeyDirections" | "columns">>): Promise<{ table: Table; indexes: Index[]; codec: RowCodec }> {
    const id = await this.allocateId();
    await this.tx.lockTable(relationLockName(id), "exclusive");
    this.created.add(id);
    const next = freezeTable({ ...table, ...changes, id, version: table.version + 1 });
    const indexes: Index[] = [];
    for (const ix of await this.indexesOf(table.id)) {
      await this.del(indexKey(table.id, ix.id));
      this.remember(`index:${ix.id}`, undefined);
      const moved: Index = Object.freeze({ ...ix, tableId: id });
      await this.putRelation(ix.name, { kind: "index", id: ix.id, tableId: id });
      await this.putIndex(moved);
      indexes.push(moved);
    }
    for (const c of table.columns) {
      if (c.serial === undefined) continue;
      const seq = await this.getSequence(c.serial);
      if (seq?.ownedBy?.tableId === table.id) await this.putSequence(Object.freeze({ ...seq, ownedBy: { tableId: id, columnId: seq.ownedBy.columnId } }));
    }
    for (const v of await this.listViews()) {
      if (!v.dependsOn.some((d) => d.kind === "table" && d.id === table.id)) continue;
      await this.putView(Object.freeze({ ...v, dependsOn: Object.freeze(v.dependsOn.map((d) => (d.kind === "table" && d.id === table.id ? Object.freeze({ ...d, id }) : d))) }));
    }
    await this.putRelation(table.name, { kind: "table", id });
    await this.retireTableId(table.id);
    await this.putTable(next);
    this.remember(`indexes:${id}`, Object.freeze(indexes));
    return { table: next, indexes, codec: new RowCodec(table.columns) };
  }

  /**
   * ALTER TABLE ... ALTER COLUMN: SET / DROP DEFAULT (`default` is the expression's SQL text, or
   * null to drop it; a serial column stops being one) and SET / DROP NOT NULL. SET NOT NULL
   * reads the rows (23502 if one holds a NULL); DROP NOT NULL of a primary key column is 42P16.
   */
  async alterColumn(
    tableName: string,
    columnName: string,
    change: { readonly default?: string | null; readonly notNull?: boolean },
    options: { readonly ifExists?: boolean } = {},
  ): Promise<DdlResult<Table>> {
    const table = await this.tableForAlter(tableName, options.ifExists);
    if (table === undefined) return skipped(`relation "${tableName}" does not exist, skipping`);
    const position = table.columns.findIndex((c) => c.name === columnName);
    if (position < 0) throw err.columnMissingOf(columnName, tableName);
    let column = table.columns[position]!;
    if (change.default !== undefined) {
      column = withoutSerial(column);
      if (change.default !== null) column = { ...column, default: change.default };
    }
    if (change.notNull === false && table.primaryKey.includes(column.id)) {
      throw new SqlStateError(`column "${columnName}" is in a primary key`, "42P16");
    }
    if (change.notNull === true && !column.notNull) {
      const codec = new RowCodec(table.columns);
      for await (const e of this.rowsForDdl(table)) {
        if (codec.decode(e.value)[position] === null) throw new SqlStateError(`column "${columnName}" of relation "${tableName}" contains null values`, "23502");
      }
    }
    if (change.notNull !== undefined) column = { ...column, notNull: change.notNull };
    return done(await this.updateTable(table, { columns: table.columns.map((c, i) => (i === position ? column : c)) }));
  }

  /**
   * ALTER TABLE ... ALTER COLUMN ... TYPE (one or more columns at once, as one statement's type
   * changes all read the original row): every row is rewritten with the columns' new values
   * (`convert` computes them from the old row, in `changes` order: the casts or the USING
   * expressions), into a new table id as moveTable does, so the primary key is encoded again from
   * the new values and every index is rebuilt (unique ones checked again). A table without a
   * primary key gives its rows new hidden row ids. Errors: 23502 for a NULL in a NOT NULL column,
   * 23505 when converted key values collide (reported as the failed build of the unique index,
   * as PostgreSQL does), 0A000 for a column an hnsw index uses, and those of checkKeyType for a
   * key column. CHECK constraints and defaults are the caller's to verify against the new types.
   * NB: the table's id (its OID) changes.
   */
  async alterColumnTypes(
    tableName: string,
    changes: readonly { readonly column: string; readonly type: SqlType }[],
    convert: (row: SqlValue[]) => SqlValue[] | Promise<SqlValue[]>,
    options: { readonly ifExists?: boolean } = {},
  ): Promise<DdlResult<Table>> {
    const table = await this.tableForAlter(tableName, options.ifExists);
    if (table === undefined) return skipped(`relation "${tableName}" does not exist, skipping`);
    const positions = changes.map((ch) => {
      const p = table.columns.findIndex((c) => c.name === ch.column);
      if (p < 0) throw err.columnMissingOf(ch.column, tableName);
      return p;
    });
    const changedIds = new Set(positions.map((p) => table.columns[p]!.id));
    for (const v of await this.listViews()) {
      const dep = v.dependsOn.find((d) => d.kind === "table" && d.id === table.id && d.columns.some((c) => changedIds.has(c)));
      if (dep === undefined) continue;
      const col = table.columns.find((c) => changedIds.has(c.id) && dep.columns.includes(c.id))!;
      throw new err.CatalogError("cannot alter type of a column used by a view or rule", "0A000", `rule _RETURN on view ${v.name} depends on column "${col.name}"`);
    }
    const typeOf = new Map(positions.map((p, i) => [table.columns[p]!.id, changes[i]!.type] as const));
    for (const ix of await this.indexesOf(table.id)) {
      const used = ix.columns.filter((c) => changedIds.has(c.columnId));
      if (used.length === 0) continue;
      if (ix.method !== "btree") throw err.notSupported(`cannot alter type of a column used by ${ix.method} index "${ix.name}"`);
      for (const c of used) checkKeyType(typeOf.get(c.columnId)!);
    }
    for (const id of table.primaryKey) if (changedIds.has(id)) checkKeyType(typeOf.get(id)!);
    const columns = table.columns.map((c) => {
      const type = typeOf.get(c.id);
      if (type === undefined) return c;
      const { missing: _missing, ...kept } = c;
      return Object.freeze({ ...kept, type });
    });
    const moved = await this.moveTable(table, { columns });
    const codec = new RowCodec(moved.table.columns);
    const hidden = table.primaryKey.length === 0;
    const keyPositions = table.primaryKey.map((id) => table.columns.findIndex((c) => c.id === id));
    // Keys written so far, to find duplicates without reading back (as an index build does).
    const seen = table.primaryKey.some((id) => changedIds.has(id)) ? new Set<string>() : undefined;
    for await (const e of this.rowsForDdl(table)) {
      const row = moved.codec.decode(e.value);
      const values = await convert(row);
      positions.forEach((p, i) => {
        const v = values[i]!;
        if (v === null && table.columns[p]!.notNull) throw new SqlStateError(`column "${table.columns[p]!.name}" of relation "${tableName}" contains null values`, "23502");
        row[p] = v;
      });
      const key = hidden ? encodePrimaryKey(moved.table, [await this.nextRowId(moved.table)]) : encodePrimaryKey(moved.table, primaryKeyOf(moved.table, row));
      if (seen) {
        const k = key.toString("latin1");
        if (seen.has(k)) {
          const names = keyPositions.map((p) => columns[p]!.name).join(", ");
          const shown = keyPositions.map((p) => formatText(row[p]!, columns[p]!.type)).join(", ");
          throw new err.CatalogError(`could not create unique index "${tableName}_pkey"`, "23505", `Key (${names})=(${shown}) is duplicated.`);
        }
        seen.add(k);
      }
      await this.tx.put(key, codec.encode(row));
    }
    for (const ix of moved.indexes) {
      if (ix.method === "btree") await this.buildIndex(ix, moved.table);
      else await this.buildVectorIndex(ix, moved.table);
    }
    return done(moved.table);
  }

  /**
   * ALTER TABLE ... ADD CONSTRAINT ... CHECK: recorded like CREATE TABLE's (named alike when no
   * name is given). NB: the rows are not read here; the caller checks them against the new
   * table's constraint (it can evaluate expressions) before the transaction commits.
   */
  async addCheck(tableName: string, spec: CheckSpec, options: { readonly ifExists?: boolean } = {}): Promise<DdlResult<{ table: Table; check: Check }>> {
    const table = await this.tableForAlter(tableName, options.ifExists);
    if (table === undefined) return skipped(`relation "${tableName}" does not exist, skipping`);
    const checks = await this.checksFromSpecs([spec], table.name, table.columns, table.checks);
    const next = await this.updateTable(table, { checks });
    return done({ table: next, check: checks[checks.length - 1]! });
  }

  /**
   * ALTER TABLE ... DROP CONSTRAINT: a CHECK, or a UNIQUE constraint with its index. The primary
   * key is the rows' storage order here, so dropping it is refused (0A000).
   */
  async dropConstraint(tableName: string, name: string, options: DropOptions = {}): Promise<DdlResult<Table>> {
    const table = await this.tableForAlter(tableName, false);
    if (table === undefined) return skipped(`relation "${tableName}" does not exist, skipping`);
    if (table.checks.some((c) => c.name === name)) return done(await this.updateTable(table, { checks: table.checks.filter((c) => c.name !== name) }));
    const index = (await this.indexesOf(table.id)).find((i) => i.name === name && i.constraint);
    if (index) {
      await this.removeIndex(index);
      await this.markDropped(index.id, [indexSpan(index)]);
      return done(await this.updateTable(table, {}));
    }
    if (table.primaryKey.length > 0 && name === `${table.name}_pkey`) throw err.notSupported(`cannot drop the primary key of table "${table.name}"`);
    if (options.ifExists) return skipped(`constraint "${name}" of relation "${tableName}" does not exist, skipping`);
    throw new err.CatalogError(`constraint "${name}" of relation "${tableName}" does not exist`, "42704");
  }

  // ---- views ---------------------------------------------------------------------------------

  /**
   * CREATE [OR REPLACE] VIEW. The analyzer has checked the definition and found its columns and
   * dependencies. Replacing keeps the view's id and must keep its columns (names and types, in
   * order; new ones may follow), as in PostgreSQL, since other views and plans rely on them.
   */
  async createView(spec: CreateViewSpec): Promise<View> {
    const ref = await this.resolveForDdl(spec.name, "view", "exclusive");
    const names = new Set<string>();
    for (const c of spec.columns) {
      if (names.has(c.name)) throw new err.CatalogError(`column "${c.name}" specified more than once`, "42701");
      names.add(c.name);
    }
    const dependsOn = Object.freeze(spec.dependsOn.map((d) => Object.freeze({ ...d, columns: Object.freeze([...d.columns]) })));
    const columns = Object.freeze(spec.columns.map((c) => Object.freeze({ name: c.name, type: Object.freeze(c.type) })));
    if (ref !== undefined) {
      if (!spec.orReplace) throw err.relationExists(spec.name);
      if (ref.kind !== "view") throw err.wrongObjectType(spec.name, "view");
      const old = (await this.viewById(ref.id)) ?? this.inconsistent(spec.name);
      if (columns.length < old.columns.length) throw new err.CatalogError("cannot drop columns from view", "42P16");
      old.columns.forEach((c, i) => {
        const now = columns[i]!;
        if (now.name !== c.name) {
          throw new err.CatalogError(`cannot change name of view column "${c.name}" to "${now.name}"`, "42P16", undefined, "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.");
        }
        if (formatType(now.type) !== formatType(c.type)) {
          throw new err.CatalogError(`cannot change data type of view column "${c.name}" from ${formatType(c.type)} to ${formatType(now.type)}`, "42P16");
        }
      });
      if (await this.reachesView(dependsOn, old.id)) throw new err.CatalogError(`infinite recursion detected in rules for relation "${spec.name}"`, "42P17");
      const next: View = Object.freeze({ ...old, definition: spec.definition, columns, dependsOn, version: old.version + 1 });
      await this.putView(next);
      return next;
    }
    const id = await this.allocateId();
    const view: View = Object.freeze({ kind: "view", id, name: spec.name, definition: spec.definition, columns, dependsOn, version: 1 });
    await this.tx.lockTable(relationLockName(id), "exclusive");
    await this.putRelation(spec.name, { kind: "view", id });
    await this.putView(view);
    this.created.add(id);
    return view;
  }

  /** Whether following view dependencies from `deps` leads to the view `id`. */
  private async reachesView(deps: readonly { readonly kind: string; readonly id: number }[], id: number): Promise<boolean> {
    const seen = new Set<number>();
    const todo = deps.filter((d) => d.kind === "view").map((d) => d.id);
    while (todo.length > 0) {
      const next = todo.pop()!;
      if (next === id) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      const v = await this.viewById(next);
      for (const d of v?.dependsOn ?? []) if (d.kind === "view") todo.push(d.id);
    }
    return false;
  }

  /**
   * DROP VIEW of one or more views at once (one may use another without CASCADE, as in
   * PostgreSQL); views that use them and are not among them need CASCADE (2BP01 without).
   */
  async dropViews(names: readonly string[], options: DropOptions = {}): Promise<void> {
    const dropping: View[] = [];
    for (const name of names) {
      const ref = await this.resolveForDdl(name, "view", "exclusive");
      if (ref === undefined) {
        if (options.ifExists) {
          options.notices?.push({ severity: "NOTICE", sqlstate: "00000", message: `view "${name}" does not exist, skipping` });
          continue;
        }
        throw err.dropTargetMissing("view", name);
      }
      if (ref.kind !== "view") throw err.wrongObjectType(name, "view", ref.kind);
      if (!dropping.some((v) => v.id === ref.id)) dropping.push((await this.viewById(ref.id)) ?? this.inconsistent(name));
    }
    const ids = new Set(dropping.map((v) => v.id));
    const dependents = await this.dependentViews(dropping.map((v) => ({ id: v.id, what: `view ${v.name}` })));
    const outside = dependents.filter((d) => !ids.has(d.view.id));
    if (dropping.length > 0) await this.dropDependentViews(`view ${dropping[0]!.name}`, outside, options);
    for (const v of dropping) await this.removeView(v);
  }

  /** ALTER VIEW ... RENAME TO (and ALTER TABLE ... RENAME TO on a view). */
  async renameView(name: string, newName: string, options: { readonly ifExists?: boolean } = {}): Promise<DdlResult<View>> {
    const ref = await this.resolveForDdl(name, "view", "exclusive");
    if (ref === undefined) {
      if (options.ifExists) return skipped(`relation "${name}" does not exist, skipping`);
      throw err.relationMissing(name);
    }
    if (ref.kind !== "view") throw err.wrongObjectType(name, "view");
    const view = (await this.viewById(ref.id)) ?? this.inconsistent(name);
    if (newName === name) return done(view);
    if ((await this.relation(newName)) !== undefined) throw err.relationExists(newName);
    await this.refuseRenameUnderViews(`view "${name}"`, await this.dependentViews([{ id: view.id, what: "" }]));
    await this.deleteRelation(name);
    await this.putRelation(newName, { kind: "view", id: view.id });
    const next: View = Object.freeze({ ...view, name: newName, version: view.version + 1 });
    await this.putView(next);
    return done(next);
  }

  /** ALTER VIEW ... RENAME COLUMN: the view's own column name (its definition is unchanged). */
  async renameViewColumn(name: string, column: string, newName: string, options: { readonly ifExists?: boolean } = {}): Promise<DdlResult<View>> {
    const ref = await this.resolveForDdl(name, "view", "exclusive");
    if (ref === undefined) {
      if (options.ifExists) return skipped(`relation "${name}" does not exist, skipping`);
      throw err.relationMissing(name);
    }
    if (ref.kind !== "view") throw err.wrongObjectType(name, "view");
    const view = (await this.viewById(ref.id)) ?? this.inconsistent(name);
    const at = view.columns.findIndex((c) => c.name === column);
    if (at < 0) throw err.columnMissingOf(column, name);
    if (newName === column) return done(view);
    if (view.columns.some((c) => c.name === newName)) throw err.columnExists(newName, name);
    await this.refuseRenameUnderViews(`column "${column}" of view "${name}"`, await this.dependentViews([{ id: view.id, what: "" }]));
    const columns = Object.freeze(view.columns.map((c, i) => (i === at ? Object.freeze({ ...c, name: newName }) : c)));
    const next: View = Object.freeze({ ...view, columns, version: view.version + 1 });
    await this.putView(next);
    return done(next);
  }

  private async removeView(v: View): Promise<void> {
    await this.tx.lockTable(relationLockName(v.id), "exclusive");
    await this.deleteRelation(v.name);
    await this.del(viewKey(v.id));
    this.remember(`view:${v.id}`, undefined);
    this.forget("views");
  }

  /**
   * The views that use any of `targets` (a table, or one column of it, or a view), and the
   * views that use those, and so on, each with PostgreSQL's line for it ("view v depends on
   * table t").
   */
  private async dependentViews(targets: readonly { readonly id: number; readonly column?: number; readonly what: string }[]): Promise<{ view: View; detail: string }[]> {
    const views = await this.listViews();
    const out: { view: View; detail: string }[] = [];
    const seen = new Set<number>();
    // Depth first, as PostgreSQL lists them: a view, then what depends on it, then the next.
    const visit = (t: { readonly id: number; readonly column?: number; readonly what: string }): void => {
      for (const v of views) {
        if (seen.has(v.id)) continue;
        const uses = v.dependsOn.some((d) => d.id === t.id && (t.column === undefined || d.columns.includes(t.column)));
        if (!uses) continue;
        seen.add(v.id);
        out.push({ view: v, detail: `view ${v.name} depends on ${t.what}` });
        visit({ id: v.id, what: `view ${v.name}` });
      }
    };
    for (const t of targets) visit(t);
    return out;
  }

  /** CASCADE drops the dependent views (with PostgreSQL's notices); without it, 2BP01. */
  private async dropDependentViews(what: string, dependents: readonly { view: View; detail: string }[], options: DropOptions): Promise<void> {
    if (dependents.length === 0) return;
    if (!options.cascade) throw err.dependentObjects(what, dependents.map((d) => d.detail));
    const lines = dependents.map((d) => `drop cascades to view ${d.view.name}`);
    const notice: CatalogNotice =
      lines.length === 1
        ? { severity: "NOTICE", sqlstate: "00000", message: lines[0]! }
        : { severity: "NOTICE", sqlstate: "00000", message: `drop cascades to ${lines.length} other objects`, detail: lines.join("\n") };
    options.notices?.push(notice);
    for (const d of dependents) await this.removeView(d.view);
  }

  /**
   * A view's definition is stored as text and names what it reads, so renaming something a
   * view reads would leave the text pointing at nothing: refused (PostgreSQL, which stores parse
   * trees, allows it).
   */
  private async refuseRenameUnderViews(what: string, dependents: readonly { view: View }[]): Promise<void> {
    const first = dependents[0];
    if (first !== undefined) throw err.notSupported(`cannot rename ${what} because view "${first.view.name}" depends on it`);
  }

  // ---- indexes -------------------------------------------------------------------------------

  /**
   * CREATE INDEX: records the index and writes an entry for every row: for btree checking
   * uniqueness (23505), for hnsw a vector entry per non-NULL vector (the store builds the graphs).
   */
  async createIndex(spec: CreateIndexSpec): Promise<DdlResult<Index>> {
    const ref = await this.resolveForDdl(spec.table, "table", "shared");
    if (ref === undefined) throw err.relationMissing(spec.table);
    if (ref.kind === "view") throw new err.CatalogError(`cannot create index on relation "${spec.table}"`, "42809", "This operation is not supported for views.");
    if (ref.kind !== "table") throw err.wrongObjectType(spec.table, "table");
    const table = (await this.tableById(ref.id)) ?? this.inconsistent(spec.table);
    const keyColumns = spec.columns.map(keyColumn);
    const columns: IndexColumn[] = keyColumns.map((k) => {
      const col = table.columns.find((c) => c.name === k.column);
      if (!col) throw err.columnMissing(k.column);
      return Object.freeze({ columnId: col.id, direction: k.direction ?? "asc" });
    });
    const constraint = spec.constraint ?? false;
    const name = spec.name ?? (await this.chooseRelationName(`${table.name}_${keyColumns.map((k) => k.column).join("_")}_${constraint ? "key" : "idx"}`));
    if ((await this.relation(name)) !== undefined) {
      if (spec.ifNotExists) return skipped(`relation "${name}" already exists, skipping`);
      throw err.relationExists(name);
    }
    const method = spec.method ?? "btree";
    const unique = spec.unique ?? constraint;
    const types = columns.map((c) => table.columns.find((col) => col.id === c.columnId)!.type);
    const options = method === "btree" ? btreeOptions(spec.options ?? {}, types) : hnswOptions(spec.options ?? {}, types, columns, unique);
    const index: Index = Object.freeze({
      kind: "index",
      id: await this.allocateId(),
      name,
      tableId: table.id,
      columns: Object.freeze(columns),
      unique,
      method,
      options: Object.freeze(options),
      constraint,
    });
    await this.putRelation(name, { kind: "index", id: index.id, tableId: table.id });
    await this.putIndex(index);
    const next = await this.updateTable(table, {});
    if (method === "btree") await this.buildIndex(index, next);
    else await this.buildVectorIndex(index, next);
    return done(index);
  }

  private async buildVectorIndex(index: Index, table: Table): Promise<void> {
    const codec = new RowCodec(table.columns);
    const { spec, position } = vectorIndexShape(index, table);
    const hidden = table.primaryKey.length === 0;
    for await (const e of this.rowsForDdl(table)) {
      const row = codec.decode(e.value);
      const vector = row[position];
      if (vector === null || vector === undefined) continue;
      const pk = hidden ? decodePrimaryKey(table, e.key) : primaryKeyOf(table, row);
      await this.tx.putVector(encodeVectorKey(index, table, pk), spec, vector as Float32Array);
    }
  }

  private async buildIndex(index: Index, table: Table): Promise<void> {
    const codec = new RowCodec(table.columns);
    const hidden = table.primaryKey.length === 0;
    const positions = index.columns.map((c) => table.columns.findIndex((col) => col.id === c.columnId));
    const seen = index.unique ? new Set<string>() : undefined;
    for await (const e of this.rowsForDdl(table)) {
      const row = codec.decode(e.value);
      const rowId = hidden ? (decodePrimaryKey(table, e.key)[0] as bigint) : undefined;
      if (seen) {
        const values = positions.map((p) => row[p]!);
        // NULLs are distinct from each other, as in PostgreSQL's default NULLS DISTINCT.
        if (values.every((v) => v !== null)) {
          const k = encodeIndexPrefix(index, table, values).toString("latin1");
          if (seen.has(k)) throw duplicateKey(index, table, positions, values);
          seen.add(k);
        }
      }
      await this.tx.put(encodeIndexKey(index, table, row, rowId), EMPTY);
    }
  }

  async dropIndex(name: string, options: DropOptions = {}): Promise<DdlResult<Index>> {
    const ref = await this.resolveForDdl(name, "index", "exclusive");
    if (ref === undefined) {
      if (options.ifExists) return skipped(`index "${name}" does not exist, skipping`);
      throw err.dropTargetMissing("index", name);
    }
    if (ref.kind !== "index") throw err.wrongObjectType(name, "index", ref.kind);
    const index = (await this.indexById(ref.tableId!, ref.id)) ?? this.inconsistent(name);
    const table = (await this.tableById(index.tableId)) ?? this.inconsistent(name);
    if (index.constraint && !options.cascade) {
      throw new err.CatalogError(`cannot drop index ${name} because constraint ${name} on table ${table.name} requires it`, "2BP01", undefined, `You can drop constraint ${name} on table ${table.name} instead.`);
    }
    await this.removeIndex(index);
    await this.markDropped(index.id, [indexSpan(index)]);
    await this.updateTable(table, {});
    return done(index);
  }

  private async removeIndex(ix: Index): Promise<void> {
    await this.deleteRelation(ix.name);
    await this.del(indexKey(ix.tableId, ix.id));
    this.remember(`index:${ix.id}`, undefined);
    this.forget(`indexes:${ix.tableId}`);
  }

  // ---- sequences -----------------------------------------------------------------------------

  async createSequence(spec: CreateSequenceSpec): Promise<DdlResult<Sequence>> {
    await this.beginDdl();
    if ((await this.relation(spec.name)) !== undefined) {
      if (spec.ifNotExists) return skipped(`relation "${spec.name}" already exists, skipping`);
      throw err.relationExists(spec.name);
    }
    // Checked before an id is taken, so a bad option leaves the counter alone.
    sequenceFromSpec(spec, 0);
    const seq = Object.freeze(sequenceFromSpec(spec, await this.allocateId()));
    await this.addSequence(seq);
    return done(seq);
  }

  /** DROP SEQUENCE; a serial column's sequence needs CASCADE, which drops the column's default. */
  async dropSequence(name: string, options: DropOptions = {}): Promise<DdlResult<Sequence>> {
    const ref = await this.resolveForDdl(name, "sequence", "exclusive");
    if (ref === undefined) {
      if (options.ifExists) return skipped(`sequence "${name}" does not exist, skipping`);
      throw err.dropTargetMissing("sequence", name);
    }
    if (ref.kind !== "sequence") throw err.wrongObjectType(name, "sequence", ref.kind);
    const seq = (await this.sequenceById(ref.id)) ?? this.inconsistent(name);
    if (seq.ownedBy) {
      const table = await this.tableById(seq.ownedBy.tableId);
      const column = table?.columns.find((c) => c.id === seq.ownedBy!.columnId && c.serial === name);
      if (table && column) {
        if (!options.cascade) throw err.dependentObjects(`sequence ${name}`, [`default value for column ${column.name} of table ${table.name} depends on sequence ${name}`]);
        await this.tx.lockTable(relationLockName(table.id), "exclusive");
        const columns = table.columns.map((c) => (c.id === column.id ? withoutSerial(c) : c));
        await this.updateTable(table, { columns });
      }
    }
    await this.removeSequence(seq);
    return done(seq);
  }

  private async removeSequence(seq: Sequence): Promise<void> {
    await this.deleteRelation(seq.name);
    await this.del(sequenceKey(seq.id));
    await this.markDropped(seq.id, [prefixSpan(sequenceStateKey(seq.id))]);
    this.remember(`sequence:${seq.id}`, undefined);
    this.forget("sequences");
  }

  private async removeOwnedSequence(name: string, tableId: number): Promise<void> {
    const seq = await this.getSequence(name);
    if (seq?.ownedBy?.tableId === tableId) await this.removeSequence(seq);
  }

  private async requireSequence(name: string): Promise<Sequence> {
    const ref = await this.relation(name);
    if (ref === undefined) throw err.relationMissing(name);
    if (ref.kind !== "sequence") throw err.wrongObjectType(name, "sequence");
    return (await this.sequenceById(ref.id)) ?? this.inconsistent(name);
  }

  private sequenceTarget(seq: Sequence): SequenceTarget {
    return { slot: `s:${seq.id}`, name: seq.name, stateKey: sequenceStateKey(seq.id), existsKey: sequenceKey(seq.id), params: seq };
  }

  /** The store to take values through, or undefined to stay in this transaction (see sequences.ts). */
  private valueStore(relationId: number): KvStore | undefined {
    return this.created.has(relationId) ? undefined : this.options.store;
  }

  /** PostgreSQL refuses nextval/setval in read-only transactions even though they are not transactional. */
  private checkWritable(fn: string): void {
    if (this.tx.readOnly) throw new SqlStateError(`cannot execute ${fn}() in a read-only transaction`, "25006");
  }

  /** nextval: 2200H past the bounds of a non-cycling sequence. */
  async nextval(name: string): Promise<bigint> {
    this.checkWritable("nextval");
    const seq = await this.requireSequence(name);
    const target = this.sequenceTarget(seq);
    const store = this.valueStore(seq.id);
    const v = store ? await nextvalInStore(store, target) : await nextvalInTransaction(this.tx, target);
    this.options.session?.record(seq.id, v);
    return v;
  }

  /** setval(name, value, isCalled): with isCalled false the next nextval returns `value` itself. */
  async setval(name: string, value: bigint, isCalled = true): Promise<bigint> {
    this.checkWritable("setval");
    const seq = await this.requireSequence(name);
    const target = this.sequenceTarget(seq);
    const store = this.valueStore(seq.id);
    if (store) await setvalInStore(store, target, value, isCalled);
    else await setvalInTransaction(this.tx, target, value, isCalled);
    if (isCalled) this.options.session?.record(seq.id, value);
    return value;
  }

  /** currval: the session's last nextval of the sequence (55000 before the first). */
  async currval(name: string): Promise<bigint> {
    const seq = await this.requireSequence(name);
    return (this.options.session ?? new SequenceSession()).currval(seq.id, name);
  }

  /** A fresh hidden row id for a table without a primary key (unique, not ordered across processes). */
  async nextRowId(table: Table): Promise<bigint> {
    const target: SequenceTarget = { slot: `r:${table.id}`, name: table.name, stateKey: rowIdStateKey(table.id), existsKey: tableKey(table.id), params: ROW_ID_PARAMS };
    const store = this.valueStore(table.id);
    return store ? nextvalInStore(store, target) : nextvalInTransaction(this.tx, target);
  }

  // ---- roles ---------------------------------------------------------------------------------

  async createRole(spec: RoleSpec): Promise<Role> {
    if (spec.name === "public" || spec.name === "none" || spec.name.startsWith("pg_")) throw err.reservedRoleName(spec.name);
    await this.beginDdl();
    if ((await this.getRole(spec.name)) !== undefined) throw err.roleExists(spec.name);
    const role: Role = Object.freeze({
      name: spec.name,
      login: spec.login ?? false,
      superuser: spec.superuser ?? false,
      ...(spec.passwordScram !== undefined && { passwordScram: spec.passwordScram }),
      ...attributesOf(spec),
    });
    await this.putRole(role);
    return role;
  }

  async alterRole(name: string, changes: AlterRoleSpec): Promise<Role> {
    await this.beginDdl();
    const role = await this.getRole(name);
    if (role === undefined) throw err.roleMissing(name);
    const { passwordScram: _old, ...rest } = role;
    const password = changes.passwordScram === undefined ? role.passwordScram : (changes.passwordScram ?? undefined);
    const next: Role = Object.freeze({
      ...rest,
      login: changes.login ?? role.login,
      superuser: changes.superuser ?? role.superuser,
      ...(password !== undefined && { passwordScram: password }),
      ...attributesOf(changes),
    });
    await this.putRole(next);
    return next;
  }

  async dropRole(name: string, options: { readonly ifExists?: boolean } = {}): Promise<DdlResult<Role>> {
    await this.beginDdl();
    const role = await this.getRole(name);
    if (role === undefined) {
      if (options.ifExists) return skipped(`role "${name}" does not exist, skipping`);
      throw err.roleMissing(name);
    }
    await this.del(roleKey(name));
    this.remember(`role:${name}`, undefined);
    this.forget("roles");
    return done(role);
  }

  private async putRole(role: Role): Promise<void> {
    await this.put(roleKey(role.name), encodeRole(role));
    this.remember(`role:${role.name}`, role);
    this.forget("roles");
  }
}

/** The attributes a spec sets (undefined ones left out, so ALTER keeps the old values). */
function attributesOf(spec: RoleAttributes): RoleAttributes {
  const out: { -readonly [K in keyof RoleAttributes]: RoleAttributes[K] } = {};
  for (const k of ROLE_ATTRIBUTES) if (spec[k] !== undefined) (out as Record<string, unknown>)[k] = spec[k];
  return out;
}

function withoutSerial(c: Column): Column {
  const { default: _default, serial: _serial, ...rest } = c;
  return rest;
}

function duplicateKey(index: Index, table: Table, positions: readonly number[], values: readonly SqlValue[]): err.CatalogError {
  const names = positions.map((p) => table.columns[p]!.name).join(", ");
  const shown = values.map((v, i) => formatText(v!, table.columns[positions[i]!]!.type)).join(", ");
  return new err.CatalogError(`could not create unique index "${index.name}"`, "23505", `Key (${names})=(${shown}) is duplicated.`);
}

function unrecognized(name: string): err.CatalogError {
  return err.invalidParameter(`unrecognized parameter "${name}"`);
}

function btreeOptions(options: Readonly<Record<string, string | number>>, types: readonly SqlType[]): Record<string, string | number> {
  for (const t of types) checkKeyType(t);
  for (const k of Object.keys(options)) throw unrecognized(k);
  return {};
}

const HNSW_OPCLASSES: Readonly<Record<string, string>> = { l2: "vector_l2_ops", cosine: "vector_cosine_ops", inner: "vector_ip_ops" };

/** pgvector's checks and defaults for hnsw: m 2..100 (16), ef_construction 4..1000 (64) and at least 2m. */
function hnswOptions(options: Readonly<Record<string, string | number>>, types: readonly SqlType[], columns: readonly IndexColumn[], unique: boolean): Record<string, string | number> {
  if (unique) throw err.notSupported(`access method "hnsw" does not support unique indexes`);
  if (columns.length !== 1) throw err.notSupported(`access method "hnsw" does not support multicolumn indexes`);
  if (columns[0]!.direction !== "asc") throw err.notSupported(`access method "hnsw" does not support ASC/DESC options`);
  const t = types[0]!;
  if (t.kind !== "vector") throw err.noOperatorClass(typeNameForMessages(t), "hnsw");
  if (t.dims === undefined) throw err.invalidParameter("column does not have dimensions");
  const int = (name: string, min: number, max: number, dflt: number): number => {
    const raw = options[name];
    if (raw === undefined) return dflt;
    const v = typeof raw === "number" ? raw : /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isInteger(v)) throw err.invalidParameter(`invalid value for integer option "${name}": ${raw}`);
    if (v < min || v > max) throw err.invalidParameter(`value ${v} out of bounds for option "${name}"`, `Valid values are between "${min}" and "${max}".`);
    return v;
  };
  for (const k of Object.keys(options)) if (k !== "m" && k !== "ef_construction" && k !== "opclass") throw unrecognized(k);
  const m = int("m", 2, 100, 16);
  const ef = int("ef_construction", 4, 1000, 64);
  if (ef < 2 * m) throw err.invalidParameter("ef_construction must be greater than or equal to 2 * m");
  const opclass = options.opclass === undefined ? HNSW_OPCLASSES[t.metric]! : String(options.opclass);
  if (!Object.values(HNSW_OPCLASSES).includes(opclass)) throw new err.CatalogError(`operator class "${opclass}" does not exist for access method "hnsw"`, "42704");
  return { m, ef_construction: ef, opclass };
}
