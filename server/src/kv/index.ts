export * from "./kv.js";
export { encodeTuple, decodeTuple, compareKeyValues, prefixEnd, KeyEncoder, KeyEncodingError, type KeyValue as TupleValue, type Direction } from "./key-encoding.js";
