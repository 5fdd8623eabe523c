/** A real TxnStore in a temp directory for catalog tests, and small helpers around it. */
import { expect } from "vitest";
import type { BeginOptions, KvTransaction } from "../../../kv/kv.js";
import { sqlstateOf } from "../../../common/sqlstate-error.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "../../../storage/testing/temp-dir.js";
import { TxnStore } from "../../../txn/txn-store.js";
import { Catalog, type CatalogOptions } from "../catalog.js";

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
