/**
 * How a failed statement looks to REST and gRPC clients: the PostgreSQL error fields (SQLSTATE,
 * message, detail, hint) plus an HTTP status or gRPC status code chosen from the SQLSTATE, so
 * clients can branch on the code and retry on 40001/40P01 without parsing messages.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { sqlstateOf } from "../common/sqlstate-error.js";

export interface ErrorFields {
  readonly sqlstate: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

/** Errors without a SQLSTATE are bugs: clients see XX000 and the message, the log has the stack. */
export function errorFieldsOf(e: unknown): ErrorFields {
  const sqlstate = sqlstateOf(e) ?? "XX000";
  const message = e instanceof Error ? e.message : String(e);
  const o = typeof e === "object" && e !== null ? (e as { detail?: unknown; hint?: unknown }) : {};
  return {
    sqlstate,
    message,
    ...(typeof o.detail === "string" && { detail: o.detail }),
    ...(typeof o.hint === "string" && { hint: o.hint }),
  };
}

/** Exact SQLSTATEs that do not follow their class's status. */
const HTTP_BY_CODE: Readonly<Record<string, number>> = {
  "42P01": 404, // undefined_table
  "42704": 404, // undefined_object
  "3D000": 404, // invalid_catalog_name
  "3F000": 404, // invalid_schema_name
  "42501": 403, // insufficient_privilege
  "57014": 408, // query_canceled (statement timeout, cancel)
  "53300": 503, // too_many_connections
  "54000": 413, // program_limit_exceeded: the result or request is too large
  "40001": 409, // serialization_failure: retry
  "40P01": 409, // deadlock_detected: retry
};

const HTTP_BY_CLASS: Readonly<Record<string, number>> = {
  "08": 400, // connection exception (e.g. a session that expired)
  "0A": 501, // feature not supported
  "22": 400, // data exception
  "23": 409, // integrity constraint violation
  "25": 409, // invalid transaction state
  "28": 401, // invalid authorization
  "2B": 409,
  "3B": 409, // savepoint exception
  "40": 409, // transaction rollback
  "42": 400, // syntax error or access rule violation
  "53": 503, // insufficient resources
  "54": 400, // program limit exceeded
  "55": 409, // object not in prerequisite state
  "57": 503, // operator intervention (shutdown)
  "58": 500, // system error
  XX: 500, // internal error
};

export function httpStatusOf(sqlstate: string): number {
  return HTTP_BY_CODE[sqlstate] ?? HTTP_BY_CLASS[sqlstate.slice(0, 2)] ?? 500;
}

const GRPC_BY_CODE: Readonly<Record<string, GrpcStatus>> = {
  "42P01": GrpcStatus.NOT_FOUND,
  "42704": GrpcStatus.NOT_FOUND,
  "3D000": GrpcStatus.NOT_FOUND,
  "3F000": GrpcStatus.NOT_FOUND,
  "08003": GrpcStatus.NOT_FOUND, // connection_does_not_exist: an unknown or expired session id
  "42501": GrpcStatus.PERMISSION_DENIED,
  "42710": GrpcStatus.ALREADY_EXISTS, // duplicate_object
  "42P07": GrpcStatus.ALREADY_EXISTS, // duplicate_table
  "23505": GrpcStatus.ALREADY_EXISTS, // unique_violation
  "57014": GrpcStatus.CANCELLED,
  "54000": GrpcStatus.RESOURCE_EXHAUSTED,
};

const GRPC_BY_CLASS: Readonly<Record<string, GrpcStatus>> = {
  "08": GrpcStatus.UNAVAILABLE,
  "0A": GrpcStatus.UNIMPLEMENTED,
  "22": GrpcStatus.INVALID_ARGUMENT,
  "23": GrpcStatus.FAILED_PRECONDITION,
  "25": GrpcStatus.FAILED_PRECONDITION,
  "28": GrpcStatus.UNAUTHENTICATED,
  "3B": GrpcStatus.FAILED_PRECONDITION,
  "40": GrpcStatus.ABORTED,
  "42": GrpcStatus.INVALID_ARGUMENT,
  "53": GrpcStatus.RESOURCE_EXHAUSTED,
  "54": GrpcStatus.INVALID_ARGUMENT,
  "55": GrpcStatus.FAILED_PRECONDITION,
  "57": GrpcStatus.UNAVAILABLE,
  "58": GrpcStatus.INTERNAL,
  XX: GrpcStatus.INTERNAL,
};

export function grpcStatusOf(sqlstate: string): GrpcStatus {
  return GRPC_BY_CODE[sqlstate] ?? GRPC_BY_CLASS[sqlstate.slice(0, 2)] ?? GrpcStatus.UNKNOWN;
}
