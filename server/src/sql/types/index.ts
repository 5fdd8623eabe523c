/** The SQL type system: types, value representation, text/binary I/O, casts, comparison, row and key codecs. */
export * from "./sql-type.js";
export * from "./value.js";
export { SqlTypeError } from "./errors.js";
export { formatText, parseText, type TextInputOptions } from "./text-io.js";
export { decodeBinary, encodeBinary } from "./binary-io.js";
export { applyTypmod, canCast, castContextOf, castValue, type CastContext, commonType, type CommonTypeContext } from "./cast.js";
export { compareValues, equalValues, hashKey, sameStoredValue, type HashKey, type Ordering } from "./compare.js";
export { decodeRow, encodeRow, fromKeyValue, numericFromKey, numericKey, ROW_FORMAT_VERSION, RowCodec, type RowColumn, RowSelection, toKeyValue } from "./row-codec.js";
export { daysFromCivil, civilFromDays } from "./datetime.js";
export {
  addIntervals,
  compareIntervals,
  formatInterval,
  Interval,
  intervalFields,
  justifyDays,
  justifyHours,
  justifyInterval,
  makeIntervalChecked,
  negateInterval,
  parseInterval,
  scaleInterval,
  subtractIntervals,
} from "./interval.js";
