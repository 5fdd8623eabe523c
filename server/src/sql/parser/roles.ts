import type { RoleOptions, Statement } from "./ast.js";
import type { Cursor } from "./cursor.js";
import { syntaxError } from "./errors.js";
import { sourceText, type Token } from "./lexer.js";

/** CREATE / ALTER / DROP ROLE and USER. */

const FLAGS = ["superuser", "createdb", "createrole", "inherit", "login", "replication", "bypassrls"] as const;
type Flag = (typeof FLAGS)[number];

function setOption<K extends keyof RoleOptions>(c: Cursor, options: RoleOptions, key: K, value: RoleOptions[K], at: Token): void {
  if (key in options) throw syntaxError(c.ctx.sql, at.start, sourceText(c.ctx.sql, at), "conflicting or redundant options");
  options[key] = value;
}

/** One option; false when none comes next. */
function roleOption(c: Cursor, options: RoleOptions): boolean {
  const t = c.peek();
  if (t?.kind !== "ident") return false;
  const flag = FLAGS.find((f) => t.value === f || t.value === `no${f}`);
  if (flag) {
    c.pos++;
    setOption(c, options, flag as Flag, t.value === flag, t);
  } else if (c.acceptWords("connection", "limit")) setOption(c, options, "connectionLimit", c.expectNumber(), t);
  else if (c.acceptWords("encrypted", "password") || c.acceptWords("password")) {
    setOption(c, options, "password", c.acceptWords("null") ? null : c.expectString(), t);
  } else if (c.acceptWords("valid", "until")) setOption(c, options, "validUntil", c.expectString(), t);
  else return false;
  return true;
}

function roleOptions(c: Cursor): RoleOptions {
  const options: RoleOptions = {};
  c.acceptWords("with");
  while (roleOption(c, options));
  c.expectEnd();
  return options;
}

/** After CREATE / ALTER / DROP: ROLE or USER and the rest. */
export function parseRoleStatement(c: Cursor, verb: "create" | "alter" | "drop"): Statement {
  const kind = c.expectOneOf(["role", "user"]);
  if (verb === "drop") {
    const ifExists = c.acceptWords("if", "exists");
    const names = c.nameList();
    c.expectEnd();
    return { type: "drop role", names, ifExists };
  }
  const name = c.expectName();
  const options = roleOptions(c);
  if (verb === "alter") return { type: "alter role", name, options };
  if (kind === "user" && options.login === undefined) options.login = true;
  return { type: "create role", name, options };
}
