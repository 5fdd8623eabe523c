/**
 * SSTables: the immutable sorted files of the LSM tree. Format in `format.ts`.
 * The engine writes them with `SstWriter` and reads them with `SstReader` over a shared `BlockCache`.
 */
export { SstWriter, type SstWriterOptions, type SstSummary } from "./writer.js";
export { SstReader, type SstGetResult } from "./reader.js";
export type { TableProperties, TablePropertiesCollector } from "./properties.js";
export { Block, BlockIterator } from "./block.js";
export { FORMAT_VERSION } from "./format.js";
export { BlockCache } from "../cache/block-cache.js";
