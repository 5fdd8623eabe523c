/** Helpers shared by the function modules. */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { defaultOfKind, type SqlType, type SqlValue, type TypeKind } from "../types/index.js";
import type { EvalContext, Overload, ParamType } from "./registry.js";

type Impl = (args: readonly SqlValue[], ctx: EvalContext, types: readonly SqlType[]) => SqlValue;

/** An overload declaration; `returns` is a type kind or a full type. */
export function fn(name: string, params: readonly ParamType[], returns: TypeKind | SqlType, impl: Impl, extra: Partial<Pick<Overload, "strict" | "volatile" | "variadic" | "system" | "returnsArg">> = {}): Overload {
  return { name, params, returns: typeof returns === "string" ? defaultOfKind(returns) : returns, impl, ...extra };
}

export function err(message: string, sqlstate: string): SqlStateError {
  return new SqlStateError(message, sqlstate);
}

export function divisionByZero(): SqlStateError {
  return err("division by zero", "22012");
}

export function featureNotSupported(what: string): SqlStateError {
  return err(`${what} is not supported`, "0A000");
}

/** The comparison operators, each with what it makes of a three-way comparison's result. */
export const COMPARISONS: readonly (readonly [string, (c: number) => boolean])[] = [
  ["=", (c) => c === 0],
  ["<>", (c) => c !== 0],
  ["<", (c) => c < 0],
  ["<=", (c) => c <= 0],
  [">", (c) => c > 0],
  [">=", (c) => c >= 0],
];
