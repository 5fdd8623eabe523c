import { SqlStateError } from "../common/sqlstate-error.js";
import type { IsolationLevel, KeyLockMode, TableLockMode } from "../kv/kv.js";
import { ISOLATION_LEVELS } from "../kv/kv.js";
import type { Timestamp } from "./hlc.js";
import { validateVectorIndexParams, type ValidVectorIndexParams } from "../vector/index.js";

/**
 * What a prepared transaction must keep across a crash: its writes, and every lock it holds, so
 * that after a restart it still blocks the same conflicting work and can be committed or rolled
 * back by its global id. Stored as one JSON system record (prepared transactions are rare and
 * small next to data); keys are base64.
 */
export interface PreparedRecord {
  readonly gid: string;
  readonly txnId: string;
  readonly isolation: IsolationLevel;
  readonly readTs: Timestamp;
  readonly preparedAt: number;
  /** value undefined: a delete; vector set: a `putVector`. */
  readonly writes: readonly { readonly key: Buffer; readonly value: Buffer | undefined; readonly vector?: ValidVectorIndexParams }[];
  readonly keyLocks: readonly { readonly key: Buffer; readonly mode: KeyLockMode }[];
  readonly tableLocks: readonly { readonly table: string; readonly mode: TableLockMode }[];
  /** Serializable only: shared range locks that keep what it read unchanged until it finishes. */
  readonly rangeLocks: readonly { readonly start: Buffer; readonly end: Buffer | undefined }[];
}

const VERSION = 1;

export function encodePreparedRecord(r: PreparedRecord): Buffer {
  const b64 = (b: Buffer) => b.toString("base64");
  return Buffer.from(
    JSON.stringify({
      v: VERSION,
      gid: r.gid,
      txnId: r.txnId,
      isolation: r.isolation,
      readTs: r.readTs,
      preparedAt: r.preparedAt,
      // A vector write carries its index as a third element; older records have two.
      writes: r.writes.map((w) => [b64(w.key), w.value === undefined ? null : b64(w.value), ...(w.vector ? [w.vector] : [])]),
      keyLocks: r.keyLocks.map((l) => [b64(l.key), l.mode]),
      tableLocks: r.tableLocks.map((l) => [l.table, l.mode]),
      rangeLocks: r.rangeLocks.map((l) => [b64(l.start), l.end === undefined ? null : b64(l.end)]),
    }),
    "utf8",
  );
}

/** A prepared-transaction record on disk does not parse: data corruption (XX001). */
export class PreparedRecordError extends SqlStateError {
  constructor(message: string) {
    super(message, "XX001");
  }
}

export function decodePreparedRecord(bytes: Buffer): PreparedRecord {
  let j: unknown;
  try {
    j = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new PreparedRecordError(`prepared transaction record is not JSON: ${(e as Error).message}`);
  }
  const o = j as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new PreparedRecordError(`prepared transaction record: bad ${what}`);
  };
  if (o.v !== VERSION) fail(`version ${String(o.v)}`);
  const str = (x: unknown, what: string): string => (typeof x === "string" ? x : fail(what));
  const buf = (x: unknown, what: string): Buffer => Buffer.from(str(x, what), "base64");
  const arr = (x: unknown, what: string): unknown[] => (Array.isArray(x) ? x : fail(what));
  const pair = (x: unknown, what: string): [unknown, unknown] => {
    const a = arr(x, what);
    if (a.length !== 2) fail(what);
    return [a[0], a[1]];
  };
  const isolation = str(o.isolation, "isolation") as IsolationLevel;
  if (!ISOLATION_LEVELS.includes(isolation)) fail("isolation");
  if (typeof o.readTs !== "number" || typeof o.preparedAt !== "number") fail("timestamps");
  return {
    gid: str(o.gid, "gid"),
    txnId: str(o.txnId, "txnId"),
    isolation,
    readTs: o.readTs as number,
    preparedAt: o.preparedAt as number,
    writes: arr(o.writes, "writes").map((w) => {
      const a = arr(w, "write");
      if (a.length !== 2 && a.length !== 3) fail("write");
      const [k, v, vector] = a;
      const write = { key: buf(k, "write key"), value: v === null ? undefined : buf(v, "write value") };
      return a.length === 2 ? write : { ...write, vector: vectorIndexOf(vector, fail) };
    }),
    keyLocks: arr(o.keyLocks, "keyLocks").map((l) => {
      const [k, m] = pair(l, "key lock");
      if (m !== "shared" && m !== "exclusive") fail("key lock mode");
      return { key: buf(k, "key lock key"), mode: m as KeyLockMode };
    }),
    tableLocks: arr(o.tableLocks, "tableLocks").map((l) => {
      const [t, m] = pair(l, "table lock");
      return { table: str(t, "table lock table"), mode: str(m, "table lock mode") as TableLockMode };
    }),
    rangeLocks: arr(o.rangeLocks, "rangeLocks").map((l) => {
      const [s, e] = pair(l, "range lock");
      return { start: buf(s, "range start"), end: e === null ? undefined : buf(e, "range end") };
    }),
  };
}

function vectorIndexOf(x: unknown, fail: (what: string) => never): ValidVectorIndexParams {
  if (typeof x !== "object" || x === null) fail("vector index");
  try {
    return validateVectorIndexParams(x as ValidVectorIndexParams);
  } catch {
    return fail("vector index");
  }
}
