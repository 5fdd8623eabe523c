/**
 * JSON schemas of the REST routes: fastify validates requests with them and @fastify/swagger
 * turns them into the OpenAPI document, so the two cannot disagree.
 */
import { VECTOR_SEARCH_K_MAX } from "../vector-search-sql.js";

const errorBody = {
  type: "object",
  description: "A failed request: PostgreSQL's error fields",
  properties: {
    error: {
      type: "object",
      properties: {
        sqlstate: { type: "string", description: "PostgreSQL SQLSTATE, e.g. 23505" },
        message: { type: "string" },
        detail: { type: "string" },
        hint: { type: "string" },
      },
      required: ["sqlstate", "message"],
    },
  },
  required: ["error"],
} as const;

const errors = {
  400: { ...errorBody, description: "Invalid statement or value (SQLSTATE classes 22, 42, 54)" },
  401: { ...errorBody, description: "Authentication required or failed (28000, 28P01)" },
  404: { ...errorBody, description: "Unknown table or object (42P01, 42704), or key not found (02000)" },
  409: { ...errorBody, description: "Constraint violation (23xxx), serialization failure or deadlock (40001, 40P01): retry those two" },
  500: { ...errorBody, description: "Internal error (XX000) or I/O failure (58030)" },
} as const;

const value = { description: "A SQL value as JSON: int8 and numeric as strings, bytea as \\x hex, vectors as arrays" } as const;

const sqlResult = {
  type: "object",
  properties: {
    columns: {
      type: "array",
      items: { type: "object", properties: { name: { type: "string" }, type: { type: "string", description: "PostgreSQL's name for the type, e.g. integer, text, vector(3)" } }, required: ["name", "type"] },
    },
    rows: { type: "array", items: { type: "array", items: value } },
    commandTag: { type: "string", description: 'e.g. "SELECT 2", "INSERT 0 1", "CREATE TABLE"' },
    rowCount: { type: "integer", description: "Rows returned or affected, when the command has a count" },
  },
  required: ["columns", "rows", "commandTag"],
} as const;

export const sqlRoute = {
  summary: "Run SQL",
  description:
    "With params: one statement, $1..$n bound in order (strings are read as the parameter's type). Without: every statement of the text in turn (BEGIN ... COMMIT in one request is one transaction); the answer is the last statement's result.",
  tags: ["sql"],
  body: {
    type: "object",
    properties: {
      sql: { type: "string", minLength: 1 },
      params: { type: "array", items: value },
    },
    required: ["sql"],
    additionalProperties: false,
  },
  response: { 200: sqlResult, ...errors },
} as const;

export const vectorSearchRoute = {
  summary: "Nearest neighbours of a vector",
  description: "Runs SELECT <columns>, col <-> $1 AS _distance FROM table [WHERE filter] ORDER BY col <-> $1 LIMIT k through SQL, so it uses the column's HNSW index when there is one. Names are exact (quoted identifiers).",
  tags: ["vector"],
  body: {
    type: "object",
    properties: {
      table: { type: "string", minLength: 1 },
      column: { type: "string", minLength: 1 },
      vector: { type: "array", items: { type: "number" }, minItems: 1 },
      k: { type: "integer", minimum: 1, maximum: VECTOR_SEARCH_K_MAX },
      filter: { type: "object", description: "column: value equalities, ANDed (null means IS NULL)", additionalProperties: value },
      metric: { type: "string", enum: ["l2", "cosine", "inner"], default: "l2", description: "l2 is <->, cosine <=>, inner <#>" },
      columns: { type: "array", items: { type: "string", minLength: 1 }, description: "Columns to return (default all)" },
    },
    required: ["table", "column", "vector", "k"],
    additionalProperties: false,
  },
  response: { 200: sqlResult, ...errors },
} as const;

const encoding = { type: "string", enum: ["utf8", "base64"], default: "utf8", description: "How keys and values are written in the path, query, body and answer" } as const;
const keyParams = { type: "object", properties: { key: { type: "string", description: "URL-encoded key (base64 with encoding=base64)" } }, required: ["key"] } as const;

export const kvGetRoute = {
  summary: "Read a key",
  tags: ["kv"],
  params: keyParams,
  querystring: { type: "object", properties: { encoding }, additionalProperties: false },
  response: { 200: { type: "object", properties: { key: { type: "string" }, value: { type: "string" } }, required: ["key", "value"] }, ...errors },
} as const;

export const kvPutRoute = {
  summary: "Write a key (one transaction, durable when answered)",
  tags: ["kv"],
  params: keyParams,
  querystring: { type: "object", properties: { encoding }, additionalProperties: false },
  body: { type: "object", properties: { value: { type: "string" } }, required: ["value"], additionalProperties: false },
  response: { 204: { type: "null", description: "Stored" }, ...errors },
} as const;

export const kvDeleteRoute = {
  summary: "Delete a key",
  tags: ["kv"],
  params: keyParams,
  querystring: { type: "object", properties: { encoding }, additionalProperties: false },
  response: { 204: { type: "null", description: "Deleted (or was absent)" }, ...errors },
} as const;

export const kvScanRoute = {
  summary: "Scan keys in order",
  description: "Keys in [start, end), at most limit of them, from one snapshot; more is true when the range holds further keys.",
  tags: ["kv"],
  querystring: {
    type: "object",
    properties: {
      start: { type: "string", description: "First key (inclusive)" },
      end: { type: "string", description: "End key (exclusive)" },
      limit: { type: "integer", minimum: 1, maximum: 10_000, default: 1000 },
      reverse: { type: "boolean", default: false },
      encoding,
    },
    additionalProperties: false,
  },
  response: {
    200: {
      type: "object",
      properties: {
        entries: { type: "array", items: { type: "object", properties: { key: { type: "string" }, value: { type: "string" } }, required: ["key", "value"] } },
        more: { type: "boolean" },
      },
      required: ["entries", "more"],
    },
    ...errors,
  },
} as const;
