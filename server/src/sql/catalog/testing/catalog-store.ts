/** A real TxnStore in a temp directory for catalog tests, and small helpers around it. */
import { expect } from "vitest";
import type { BeginOptions, KvTransaction } from "../../../kv/kv.js";
import { sqlstateOf } from "../../../common/sqlstate-error.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "../../../storage/testing/temp-dir.js";
import { TxnStore } from "../../../txn/txn-store.js";
import { INT4, RowCodec, type SqlValue, TEXT } from "../../types/index.js";
import { Catalog, type CatalogOptions } from "../catalog.js";
import { encodePrimaryKey, primaryKeyOf } from "../keys.js";
import type { CreateTableSpec, DdlResult, Table } from "../model.js";

export class TestStore {
  private constructor(
    readonly dir: string,
    public store: TxnStore,
  ) {}

  static async open(): Promise<TestStore> {
    const dir = makeTempDir("alopex-catalog-");
    return new TestStore(dir, await TxnStore.open(dir, { storage: SMALL_ENGINE_CONFIG }));
  }

  async reopen(): Promise<void> {
    await this.store.close();
    this.store = await TxnStore.open(this.dir, { storage: SMALL_ENGINE_CONFIG });
  }

  async close(): Promise<void> {
    await this.store.close();
    removeTempDir(this.dir);
  }

  /** A transaction and its catalog (with this store, so nextval is non-transactional). */
  async begin(options: BeginOptions = {}, catalog: Omit<CatalogOptions, "store"> = {}): Promise<{ tx: KvTransaction; cat: Catalog }> {
    const tx = await this.store.begin(options);
    return { tx, cat: Catalog.of(tx, { store: this.store, ...catalog }) };
  }

  /** Runs `f` in a transaction that commits, or rolls back if `f` throws. */
  async run<T>(f: (cat: Catalog, tx: KvTransaction) => Promise<T>, options: BeginOptions = {}, catalog: Omit<CatalogOptions, "store"> = {}): Promise<T> {
    const { tx, cat } = await this.begin(options, catalog);
    try {
      const out = await f(cat, tx);
      await tx.commit();
      return out;
    } catch (e) {
      if (tx.state === "active") await tx.rollback();
      throw e;
    }
  }
}

export interface ExpectedError {
  readonly sqlstate: string;
  readonly message?: string;
  readonly detail?: string;
  readonly hint?: string;
}

/** Awaits `p` and checks that it fails with the SQLSTATE (and message, detail, hint if given). */
export async function expectSqlError(p: Promise<unknown>, want: ExpectedError): Promise<void> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${want.sqlstate}`).toBeDefined();
  const got = error as { message: string; detail?: string; hint?: string };
  expect({ sqlstate: sqlstateOf(error), message: got.message }).toEqual({ sqlstate: want.sqlstate, message: want.message ?? got.message });
  if (want.detail !== undefined) expect(got.detail).toBe(want.detail);
  if (want.hint !== undefined) expect(got.hint).toBe(want.hint);
}

/** A two-column table with an int4 primary key, the shape most catalog tests start from. */
export const T: CreateTableSpec = {
  name: "t",
  columns: [
    { name: "a", type: INT4 },
    { name: "b", type: TEXT },
  ],
  primaryKey: ["a"],
};

/** The value of a DDL call that was expected to run (not to be skipped by IF [NOT] EXISTS). */
export function value<V>(r: DdlResult<V>): V {
  if (!r.done) throw new Error(`skipped: ${r.notice.message}`);
  return r.value;
}

/** Writes a row the way the executor will: primary key to row codec value. */
export async function insert(tx: KvTransaction, table: Table, row: readonly SqlValue[]): Promise<void> {
  await tx.put(encodePrimaryKey(table, primaryKeyOf(table, row)), new RowCodec(table.columns).encode(row));
}
