import { SqlStateError } from "../common/sqlstate-error.js";

/**
 * Transaction failures a client sees, each with its PostgreSQL SQLSTATE. A client retries
 * 40001 and 40P01; the others are usage errors.
 */
export class TxnError extends SqlStateError {}

/** 40001: a conflict with a concurrent transaction; retrying the whole transaction may succeed. */
export class SerializationFailure extends TxnError {
  constructor(detail: string) {
    super(`could not serialize access due to ${detail}`, "40001");
  }
}

/** 40P01: this transaction was chosen to break a cycle of lock waits. */
export class DeadlockDetected extends TxnError {
  constructor(detail: string) {
    super(`deadlock detected: ${detail}`, "40P01");
  }
}

/** 55P03: a lock wait exceeded its timeout. */
export class LockNotAvailable extends TxnError {
  constructor(detail: string) {
    super(`could not obtain lock: ${detail}`, "55P03");
  }
}

/** 25000: the operation does not fit the transaction's state (e.g. a write after commit). */
export class InvalidTransactionState extends TxnError {
  constructor(detail: string) {
    super(detail, "25000");
  }
}

/** 25006: a write in a read-only transaction. */
export class ReadOnlyTransaction extends TxnError {
  constructor() {
    super("cannot execute a write in a read-only transaction", "25006");
  }
}

/** 54000: a transaction's buffered writes outgrew their memory budget. */
export class TransactionTooLarge extends TxnError {
  constructor(limitBytes: number) {
    super(`transaction write set exceeds its memory budget of ${limitBytes} bytes; split the work into smaller transactions`, "54000");
  }
}

/** 42704: COMMIT/ROLLBACK PREPARED of an unknown global id. */
export class UndefinedPreparedTransaction extends TxnError {
  constructor(gid: string) {
    super(`prepared transaction with identifier "${gid}" does not exist`, "42704");
  }
}

/** 42710: PREPARE TRANSACTION with a global id already in use. */
export class DuplicatePreparedTransaction extends TxnError {
  constructor(gid: string) {
    super(`transaction identifier "${gid}" is already in use`, "42710");
  }
}

/** 25P02: the transaction already failed (a conflict, deadlock or lock timeout aborted it). */
export class TransactionAborted extends TxnError {
  constructor(txnId: string, reason: string) {
    super(`current transaction ${txnId} is aborted (${reason}); it must be rolled back`, "25P02");
  }
}
