import type { IsolationLevel, Statement, TransactionModes } from "./ast.js";
import type { Cursor } from "./cursor.js";

/** Transaction control, including savepoints and two-phase commit (none of it in the library). */

/** [WORK | TRANSACTION], optional after BEGIN, COMMIT, END, ROLLBACK and ABORT. */
function noiseWord(c: Cursor): void {
  c.oneOf(["work", "transaction"]);
}

function isolationLevel(c: Cursor): IsolationLevel {
  if (c.acceptWords("serializable")) return "serializable";
  if (c.acceptWords("repeatable", "read")) return "repeatable read";
  c.expectWords("read");
  return c.expectOneOf(["committed", "uncommitted"]) === "committed" ? "read committed" : "read uncommitted";
}

function transactionMode(c: Cursor, modes: TransactionModes): boolean {
  if (c.acceptWords("isolation", "level")) modes.isolationLevel = isolationLevel(c);
  else if (c.acceptWords("read", "write")) modes.writeable = "read write";
  else if (c.acceptWords("read", "only")) modes.writeable = "read only";
  else if (c.acceptWords("deferrable")) modes.deferrable = true;
  else if (c.acceptWords("not", "deferrable")) modes.deferrable = false;
  else return false;
  return true;
}

/** Modes separated by commas or just spaces; a comma must be followed by another mode. */
function transactionModes(c: Cursor): TransactionModes {
  const modes: TransactionModes = {};
  if (!transactionMode(c, modes)) return modes;
  for (;;) {
    if (c.acceptPunct(",")) {
      if (!transactionMode(c, modes)) throw c.fail();
    } else if (!transactionMode(c, modes)) return modes;
  }
}

/** BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE, 2PC. */
export function parseTransactionStatement(c: Cursor): Statement {
  const keyword = c.expectOneOf(["begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release", "prepare"]);
  let result: Statement;
  switch (keyword) {
    case "begin":
      noiseWord(c);
      result = { type: "begin", ...transactionModes(c) };
      break;
    case "start":
      c.expectWords("transaction");
      result = { type: "begin", ...transactionModes(c) };
      break;
    case "commit":
      if (c.acceptWords("prepared")) result = { type: "commit prepared", gid: c.expectString() };
      else {
        noiseWord(c);
        result = { type: "commit" };
      }
      break;
    case "end":
      noiseWord(c);
      result = { type: "commit" };
      break;
    case "rollback":
    case "abort":
      if (keyword === "rollback" && c.acceptWords("prepared")) {
        result = { type: "rollback prepared", gid: c.expectString() };
        break;
      }
      noiseWord(c);
      if (keyword === "rollback" && c.acceptWords("to")) {
        c.acceptWords("savepoint");
        result = { type: "rollback to savepoint", name: c.expectName() };
      } else result = { type: "rollback" };
      break;
    case "savepoint":
      result = { type: "savepoint", name: c.expectName() };
      break;
    case "release":
      c.acceptWords("savepoint");
      result = { type: "release savepoint", name: c.expectName() };
      break;
    case "prepare":
      c.expectWords("transaction");
      result = { type: "prepare transaction", gid: c.expectString() };
      break;
  }
  c.expectEnd();
  return result;
}

/** SET TRANSACTION ... and SET SESSION CHARACTERISTICS AS TRANSACTION ... (after SET). */
export function parseSetTransaction(c: Cursor, session: boolean): Statement {
  const modes = transactionModes(c);
  if (Object.keys(modes).length === 0) throw c.fail();
  c.expectEnd();
  return { type: "set transaction", session, ...modes };
}
