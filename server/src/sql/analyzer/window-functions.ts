/** The window-only functions (row_number, rank, lag, ...) and their result types. */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { FLOAT8, INT4, INT8, type SqlType, TEXT } from "../types/index.js";

const RANKING = new Set(["row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile"]);
const VALUE = new Set(["lag", "lead", "first_value", "last_value", "nth_value"]);

export function isWindowFunctionName(name: string): boolean {
  return RANKING.has(name) || VALUE.has(name);
}

export function resolveWindowFunction(name: string, argTypes: readonly SqlType[]): { argTypes: SqlType[]; returnType: SqlType } {
  const bad = () => new SqlStateError(`function ${name}(${argTypes.map((t) => t.kind).join(", ")}) does not exist`, "42883");
  const value = argTypes[0] && (argTypes[0].kind === "unknown" || argTypes[0].kind === "null") ? TEXT : argTypes[0];
  switch (name) {
    case "row_number":
    case "rank":
    case "dense_rank":
      if (argTypes.length) throw bad();
      return { argTypes: [], returnType: INT8 };
    case "percent_rank":
    case "cume_dist":
      if (argTypes.length) throw bad();
      return { argTypes: [], returnType: FLOAT8 };
    case "ntile":
      if (argTypes.length !== 1) throw bad();
      return { argTypes: [INT4], returnType: INT4 };
    case "first_value":
    case "last_value":
      if (argTypes.length !== 1) throw bad();
      return { argTypes: [value!], returnType: value! };
    case "nth_value":
      if (argTypes.length !== 2) throw bad();
      return { argTypes: [value!, INT4], returnType: value! };
    case "lag":
    case "lead":
      if (argTypes.length < 1 || argTypes.length > 3) throw bad();
      return { argTypes: [value!, INT4, value!].slice(0, argTypes.length), returnType: value! };
    default:
      throw bad();
  }
}
