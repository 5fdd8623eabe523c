/**
 * The extended query protocol's objects: prepared statements (Parse) and portals (Bind), named
 * or unnamed, and the messages that use them (Describe, Execute, Close).
 *
 * A portal runs its statement lazily, at its first Execute (as PostgreSQL's portals do), so a
 * Bind that is closed without Execute has no effect. Execute with a row limit leaves the
 * portal suspended; the next Execute continues where it stopped.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { PreparedStatement, StatementResult } from "../../sql/session/api.js";
import { type SqlType, type SqlValue, typeFromOid, typeOid } from "../../sql/types/index.js";
import {
  bindComplete,
  closeComplete,
  commandComplete,
  emptyQueryResponse,
  type FormatCode,
  noData,
  parameterDescription,
  parseComplete,
  portalSuspended,
  rowDescription,
} from "./backend-messages.js";
import { runCopy } from "./copy.js";
import type { FrontendMessage } from "./frontend-messages.js";
import { type QueryContext, sendRows } from "./query-context.js";
import { decodeParams, resultFormats, rowFields } from "./value-format.js";

type MessageOf<K extends FrontendMessage["kind"]> = Extract<FrontendMessage, { kind: K }>;

interface Statement {
  readonly name: string;
  /** Undefined for an empty query string (Execute answers EmptyQueryResponse). */
  readonly prepared: PreparedStatement | undefined;
  /**
   * The last Bind's result formats as sent and as resolved per column, and the RowDescription
   * of a portal in them: clients bind the same statement the same way again and again.
   */
  lastFormatCodes: readonly number[] | undefined;
  lastFormats: readonly FormatCode[] | undefined;
  portalDescription: Buffer | undefined;
}

interface Portal {
  readonly statement: Statement;
  readonly params: readonly SqlValue[];
  readonly formats: readonly FormatCode[];
  result: StatementResult | undefined;
  state: "ready" | "suspended" | "done";
}

/** Whether SQL text holds no statement: only whitespace, semicolons and comments. */
export function isEmptyQuery(sql: string): boolean {
  const stripped = stripComments(sql);
  return stripped === undefined ? false : /^[\s;]*$/.test(stripped);
}

/** The text without comments (nested block comments as PostgreSQL allows), or undefined when quotes make that uncertain. */
function stripComments(sql: string): string | undefined {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith("/*", i)) {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith("*/", i)) {
          depth--;
          i += 2;
        } else i++;
      }
    } else {
      const ch = sql[i]!;
      if (!/[\s;]/.test(ch)) return undefined;
      out += ch;
      i++;
    }
  }
  return out;
}

const ignore = (): undefined => undefined;
const RESOLVED: Promise<void> = Promise.resolve();

function statementMissing(name: string): SqlStateError {
  return name === ""
    ? new SqlStateError("unnamed prepared statement does not exist", "26000")
    : new SqlStateError(`prepared statement "${name}" does not exist`, "26000");
}

function portalMissing(name: string): SqlStateError {
  return new SqlStateError(`portal "${name}" does not exist`, "34000");
}

function sameCodes(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function parameterType(oid: number): SqlType | undefined {
  if (oid === 0) return undefined;
  const type = typeFromOid(oid);
  if (type === undefined) throw new SqlStateError(`type with OID ${oid} does not exist`, "42704");
  return type;
}

export class ExtendedQuery {
  private readonly statements = new Map<string, Statement>();
  private readonly portals = new Map<string, Portal>();

  constructor(private readonly ctx: QueryContext) {}

  async parse(m: MessageOf<"Parse">): Promise<void> {
    if (m.name === "") this.statements.delete("");
    else if (this.statements.has(m.name)) throw new SqlStateError(`prepared statement "${m.name}" already exists`, "42P05");
    else if (this.statements.size >= this.ctx.limits.preparedStatementsMax) {
      throw new SqlStateError(`too many prepared statements (at most ${this.ctx.limits.preparedStatementsMax} per connection)`, "54000");
    }
    const paramTypes = m.paramTypeOids.map(parameterType);
    const prepared = isEmptyQuery(m.sql) ? undefined : await this.ctx.session.prepare(m.sql, paramTypes);
    this.statements.set(m.name, { name: m.name, prepared, lastFormatCodes: undefined, lastFormats: undefined, portalDescription: undefined });
    this.ctx.sendNotices();
    this.ctx.channel.send(parseComplete());
  }

  /** Undefined when done at once; a promise when an unnamed portal had to be released first. */
  bind(m: MessageOf<"Bind">): Promise<void> | undefined {
    const statement = this.statements.get(m.statement);
    if (statement === undefined) throw statementMissing(m.statement);
    if (m.portal === "") {
      if (this.portals.has("")) return this.closePortal("").then(() => this.addPortal(m, statement));
    } else if (this.portals.has(m.portal)) throw new SqlStateError(`portal "${m.portal}" already exists`, "42P03");
    else if (this.portals.size >= this.ctx.limits.portalsMax) {
      throw new SqlStateError(`too many open portals (at most ${this.ctx.limits.portalsMax} per connection)`, "54000");
    }
    this.addPortal(m, statement);
    return undefined;
  }

  private addPortal(m: MessageOf<"Bind">, statement: Statement): void {
    const prepared = statement.prepared;
    const params = decodeParams(m.params, m.paramFormats, prepared?.paramTypes ?? [], statement.name);
    const formats = this.formatsOf(statement, m.resultFormats);
    this.portals.set(m.portal, { statement, params, formats, result: undefined, state: "ready" });
    this.ctx.channel.send(bindComplete());
  }

  /** resultFormats of a Bind, reusing the statement's last ones when the codes are the same. */
  private formatsOf(statement: Statement, codes: readonly number[]): readonly FormatCode[] {
    const last = statement.lastFormatCodes;
    if (last !== undefined && statement.lastFormats !== undefined && sameCodes(last, codes)) return statement.lastFormats;
    const formats = resultFormats(codes, statement.prepared?.columns.length ?? 0);
    statement.lastFormatCodes = codes;
    statement.lastFormats = formats;
    statement.portalDescription = undefined;
    return formats;
  }

  describe(m: MessageOf<"Describe">): void {
    if (m.target === "statement") {
      const statement = this.statements.get(m.name);
      if (statement === undefined) throw statementMissing(m.name);
      const prepared = statement.prepared;
      this.ctx.channel.send(parameterDescription((prepared?.paramTypes ?? []).map(typeOid)));
      const columns = prepared?.columns ?? [];
      this.ctx.channel.send(columns.length === 0 ? noData() : rowDescription(rowFields(columns)));
    } else {
      const portal = this.portals.get(m.name);
      if (portal === undefined) throw portalMissing(m.name);
      const statement = portal.statement;
      const columns = portal.result?.columns ?? statement.prepared?.columns ?? [];
      if (columns.length === 0) {
        this.ctx.channel.send(noData());
        return;
      }
      // The statement's columns in the statement's last formats: the description sent before.
      const cacheable = columns === statement.prepared?.columns && portal.formats === statement.lastFormats;
      const description = (cacheable ? statement.portalDescription : undefined) ?? rowDescription(rowFields(columns, portal.formats));
      if (cacheable) statement.portalDescription = description;
      this.ctx.channel.send(description);
    }
  }

  async execute(m: MessageOf<"Execute">): Promise<void> {
    const portal = this.portals.get(m.portal);
    if (portal === undefined) throw portalMissing(m.portal);
    const prepared = portal.statement.prepared;
    if (prepared === undefined) {
      this.ctx.channel.send(emptyQueryResponse());
      return;
    }
    try {
      await this.runPortal(portal, prepared, m.maxRows);
    } catch (e) {
      // A failed portal cannot be resumed (PostgreSQL marks it failed and drops it with the transaction).
      await this.closePortal(m.portal);
      throw e;
    }
  }

  private async runPortal(portal: Portal, prepared: PreparedStatement, maxRows: number): Promise<void> {
    if (portal.state === "done") {
      // Running a finished portal again yields nothing more, as in PostgreSQL.
      const tag = portal.result?.commandTag ?? prepared.command;
      this.ctx.channel.send(commandComplete(tag.replace(/^SELECT \d+$/, "SELECT 0")));
      return;
    }
    const result = portal.result ?? (portal.result = await this.ctx.session.execute(prepared, portal.params));
    if (result.copy !== undefined) {
      portal.state = "done";
      await runCopy(this.ctx, result, result.copy);
      return;
    }
    const { done, rowsSent } = await sendRows(this.ctx, result, portal.formats, maxRows > 0 ? maxRows : 0);
    const resumed = portal.state === "suspended";
    if (!done) {
      portal.state = "suspended";
      this.ctx.channel.send(portalSuspended());
      return;
    }
    portal.state = "done";
    // PostgreSQL's tag counts the rows of this Execute, not of the whole portal.
    const tag = result.commandTag;
    this.ctx.channel.send(commandComplete(resumed ? tag.replace(/^SELECT \d+$/, `SELECT ${rowsSent}`) : tag));
  }

  async close(m: MessageOf<"Close">): Promise<void> {
    // Closing something that does not exist is no error (PostgreSQL's rule).
    if (m.target === "statement") this.statements.delete(m.name);
    else await this.closePortal(m.name);
    this.ctx.channel.send(closeComplete());
  }

  /** A simple Query drops the unnamed statement and portal, as in PostgreSQL. */
  async dropUnnamed(): Promise<void> {
    this.statements.delete("");
    await this.closePortal("");
  }

  /** Portals live until their transaction ends; the connection calls this when it has. */
  closeAllPortals(): Promise<void> {
    // Most often the one unnamed portal of the last Bind (no async frame for it: this runs at every Sync).
    if (this.portals.size === 1 && this.portals.has("")) return this.closePortal("");
    return this.closeEachPortal();
  }

  private async closeEachPortal(): Promise<void> {
    for (const name of [...this.portals.keys()]) await this.closePortal(name);
  }

  /** Forgets everything (the connection is ending). */
  async closeAll(): Promise<void> {
    await this.closeAllPortals();
    this.statements.clear();
  }

  get portalCount(): number {
    return this.portals.size;
  }

  private closePortal(name: string): Promise<void> {
    const portal = this.portals.get(name);
    if (portal === undefined) return RESOLVED;
    this.portals.delete(name);
    // Releasing a result never affects the transaction; a failure to release is not the client's concern.
    return portal.result === undefined ? RESOLVED : portal.result.close().then(undefined, ignore);
  }
}
