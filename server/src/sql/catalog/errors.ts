/**
 * Catalog errors with PostgreSQL's SQLSTATEs and wording (clients and tests match on both).
 */
import { SqlStateError } from "../../common/sqlstate-error.js";

/** A SqlStateError with PostgreSQL's optional DETAIL and HINT lines. */
export class CatalogError extends SqlStateError {
  constructor(
    message: string,
    sqlstate: string,
    detail?: string,
    hint?: string,
  ) {
    super(message, sqlstate, { ...(detail !== undefined && { detail }), ...(hint !== undefined && { hint }) });
  }
}

/** 42P07 duplicate_table: every relation kind shares one namespace, as in PostgreSQL. */
export const relationExists = (name: string) => new CatalogError(`relation "${name}" already exists`, "42P07");

/** 42P01 undefined_table, as name lookups (ALTER TABLE, CREATE INDEX ON, nextval) word it. */
export const relationMissing = (name: string) => new CatalogError(`relation "${name}" does not exist`, "42P01");

/** 42P01 / 42704, as DROP TABLE / DROP SEQUENCE / DROP INDEX word it. */
export function dropTargetMissing(kind: "table" | "sequence" | "index" | "view", name: string): CatalogError {
  return new CatalogError(`${kind} "${name}" does not exist`, kind === "index" ? "42704" : "42P01");
}

const DROP_HINT: Record<string, string> = { table: "Use DROP TABLE to remove a table.", index: "Use DROP INDEX to remove an index.", sequence: "Use DROP SEQUENCE to remove a sequence.", view: "Use DROP VIEW to remove a view." };

/** 42809 wrong_object_type: `"i" is not a table`, with a hint naming the right command for DROP. */
export function wrongObjectType(name: string, wanted: string, actual?: string): CatalogError {
  const article = /^[aeiou]/.test(wanted) ? "an" : "a";
  return new CatalogError(`"${name}" is not ${article} ${wanted}`, "42809", undefined, actual === undefined ? undefined : DROP_HINT[actual]);
}

export const columnExists = (column: string, relation: string) => new CatalogError(`column "${column}" of relation "${relation}" already exists`, "42701");

export const columnSpecifiedTwice = (column: string) => new CatalogError(`column "${column}" specified more than once`, "42701");

export const columnMissingOf = (column: string, relation: string) => new CatalogError(`column "${column}" of relation "${relation}" does not exist`, "42703");

export const columnMissing = (column: string) => new CatalogError(`column "${column}" does not exist`, "42703");

export const keyColumnMissing = (column: string) => new CatalogError(`column "${column}" named in key does not exist`, "42703");

export const keyColumnTwice = (column: string) => new CatalogError(`column "${column}" appears twice in primary key constraint`, "42701");

export const constraintExists = (name: string, relation: string) => new CatalogError(`constraint "${name}" for relation "${relation}" already exists`, "42710");

export const roleExists = (name: string) => new CatalogError(`role "${name}" already exists`, "42710");

export const roleMissing = (name: string) => new CatalogError(`role "${name}" does not exist`, "42704");

export const reservedRoleName = (name: string) => new CatalogError(`role name "${name}" is reserved`, "42939");

/** 2BP01 dependent_objects_still_exist. */
export function dependentObjects(what: string, details: readonly string[]): CatalogError {
  return new CatalogError(`cannot drop ${what} because other objects depend on it`, "2BP01", details.join("\n"), "Use DROP ... CASCADE to drop the dependent objects too.");
}

/** 22023 invalid_parameter_value (sequence and index options). */
export const invalidParameter = (message: string, detail?: string) => new CatalogError(message, "22023", detail);

/** 0A000 feature_not_supported. */
export const notSupported = (message: string) => new CatalogError(message, "0A000");

/** 42704: a type without a default operator class for the access method (json in a btree). */
export const noOperatorClass = (typeName: string, method: string) => new CatalogError(`data type ${typeName} has no default operator class for access method "${method}"`, "42704");

/** 2200H sequence_generator_limit_exceeded. */
export function sequenceLimit(name: string, which: "maximum" | "minimum", bound: bigint): CatalogError {
  return new CatalogError(`nextval: reached ${which} value of sequence "${name}" (${bound})`, "2200H");
}

/** 55000 object_not_in_prerequisite_state: currval/lastval before any nextval in the session. */
export const notYetDefined = (what: string) => new CatalogError(`${what} is not yet defined in this session`, "55000");

/** XX001: a catalog entry that does not decode. */
export const corruptEntry = (what: string) => new CatalogError(`corrupt catalog entry: ${what}`, "XX001");
