/** A sqllogictest runner for the SQL engine's test corpus; see README.md for the format. */
export type * from "./types.js";
export { parseErrorExpectation, parseSltFile, SltParseError } from "./parser.js";
export { formatSltFailure, formatSltReport, REWRITE_ENV, runSlt, runSltFile, sltCompletion, type SltQueryActual } from "./runner.js";
export { formatReal3, hashValues, renderValue } from "./values.js";
