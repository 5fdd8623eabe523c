/** PostgreSQL's reserved keywords (sql-keywords-appendix): never a column, table or function name. */
export const RESERVED: ReadonlySet<string> = new Set(
  (
    "all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create " +
    "current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc " +
    "distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral " +
    "leading limit localtime localtimestamp not null offset on only or order placing primary references returning " +
    "select session_user some symmetric system_user table then to trailing true union unique user using variadic when " +
    "where window with"
  ).split(" "),
);

/** Reserved words that are values on their own (CURRENT_DATE, NULL...). */
export const VALUE_KEYWORDS: ReadonlySet<string> = new Set(
  (
    "current_catalog current_date current_role current_time current_timestamp current_user current_schema false " +
    "localtime localtimestamp null session_user system_user true user"
  ).split(" "),
);

/** Keywords allowed as function names although they are not plain identifiers (left(s, 2), x = ANY(...)). */
export const FUNCTION_KEYWORDS: ReadonlySet<string> = new Set(["left", "right", "any", "all", "some"]);

/**
 * Words that end or separate operands: an expression never starts with them and they never
 * continue one. The reserved words, the infix ones among the "type or function name" keywords,
 * and the unreserved words that precede expressions in clauses (ORDER BY -x, BETWEEN -1 AND 1).
 */
export const BOUNDARY: ReadonlySet<string> = new Set([
  ...[...RESERVED].filter((w) => !VALUE_KEYWORDS.has(w) && w !== "case" && w !== "cast" && w !== "array"),
  ..."authorization binary collation concurrently cross freeze full ilike inner is isnull join left like natural notnull outer overlaps right similar tablesample verbose".split(
    " ",
  ),
  "between",
  "by",
  "escape",
  "values",
]);

/**
 * Words after which a minus sign is the sign of a number, although they are not boundaries:
 * the library only accepts a signed integer token after them (MINVALUE -10, SET TIME ZONE -5).
 */
export const SIGN_CONTEXT: ReadonlySet<string> = new Set(["minvalue", "maxvalue", "increment", "restart", "cache", "start", "zone"]);
