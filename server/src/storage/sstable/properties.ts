import type { Block } from "./block.js";
import { BlockIterator } from "./block.js";
import { BlockBuilder } from "./block-builder.js";
import { ByteBuffer } from "./byte-buffer.js";
import { decodeVarint } from "../varint.js";

/**
 * Gathers user-defined statistics while a table is written (e.g. per-column min/max for the SQL
 * optimizer). `add` sees every entry in key order; `finish` is called once, after the last add.
 * NB: names must be unique across the collectors of one writer; the writer asserts it.
 */
export interface TablePropertiesCollector {
  add(internalKey: Buffer, value: Buffer): void;
  finish(): Record<string, Uint8Array>;
}

/** What the meta block records about a table. Keys are internal keys. */
export interface TableProperties {
  readonly entryCount: number;
  readonly deletionCount: number;
  readonly rawKeyBytes: number;
  readonly rawValueBytes: number;
  readonly dataBlockCount: number;
  readonly smallestKey: Buffer;
  readonly largestKey: Buffer;
  readonly smallestSeq: number;
  readonly largestSeq: number;
  /** Wall-clock time the writer was given (0 = unknown); informational only. */
  readonly creationTimeMs: number;
  readonly createdBy: string;
  /**
   * What the bloom filter is keyed on: each entry's user key (tables without the property), or
   * its logical key, the prefix `SstWriterOptions.bloomKeyLength` gave (so a read within one
   * logical key, such as every MVCC point read, can skip the table).
   */
  readonly bloomKey?: "logical";
  /** Collected by `TablePropertiesCollector`s, by the names they returned. */
  readonly userProperties: ReadonlyMap<string, Buffer>;
}

const NUMERIC = [
  "entryCount",
  "deletionCount",
  "rawKeyBytes",
  "rawValueBytes",
  "dataBlockCount",
  "smallestSeq",
  "largestSeq",
  "creationTimeMs",
] as const;
type NumericName = (typeof NUMERIC)[number];

const PREFIX = "alopex.";
const USER_PREFIX = "user.";

/** Encodes `props` as meta block contents (string keys sorted bytewise). */
export function encodeProperties(props: TableProperties): Buffer {
  const entries: [Buffer, Uint8Array][] = [];
  const scratch = new ByteBuffer(16);
  for (const name of NUMERIC) {
    scratch.reset();
    scratch.pushVarint(props[name]);
    entries.push([Buffer.from(PREFIX + name), Buffer.from(scratch.view())]);
  }
  entries.push([Buffer.from(PREFIX + "smallestKey"), props.smallestKey]);
  entries.push([Buffer.from(PREFIX + "largestKey"), props.largestKey]);
  entries.push([Buffer.from(PREFIX + "createdBy"), Buffer.from(props.createdBy)]);
  if (props.bloomKey !== undefined) entries.push([Buffer.from(PREFIX + "bloomKey"), Buffer.from(props.bloomKey)]);
  for (const [name, value] of props.userProperties) entries.push([Buffer.from(USER_PREFIX + name), value]);
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));
  const builder = new BlockBuilder(16);
  for (const [k, v] of entries) builder.add(k, v);
  return Buffer.from(builder.finish());
}

/** Decodes a meta block, or returns what is missing or malformed. */
export function decodeProperties(block: Block): TableProperties | string {
  const raw = new Map<string, Buffer>();
  const userProperties = new Map<string, Buffer>();
  const it = new BlockIterator(block, 0);
  for (it.seekToFirst(); it.valid(); it.next()) {
    const name = it.key().toString("utf8");
    const value = Buffer.from(it.value());
    if (name.startsWith(USER_PREFIX)) userProperties.set(name.slice(USER_PREFIX.length), value);
    else raw.set(name, value);
  }
  const numbers = {} as Record<NumericName, number>;
  for (const name of NUMERIC) {
    const bytes = raw.get(PREFIX + name);
    if (!bytes) return `meta block lacks ${name}`;
    const cursor = { pos: 0 };
    const n = decodeVarint(bytes, cursor, bytes.length);
    if (n < 0 || cursor.pos !== bytes.length) return `meta block has a malformed ${name}`;
    numbers[name] = n;
  }
  const smallestKey = raw.get(PREFIX + "smallestKey");
  const largestKey = raw.get(PREFIX + "largestKey");
  const createdBy = raw.get(PREFIX + "createdBy");
  if (!smallestKey || !largestKey || !createdBy) return "meta block lacks its key range or creator";
  const bloomKey = raw.get(PREFIX + "bloomKey")?.toString("utf8");
  if (bloomKey !== undefined && bloomKey !== "logical") return `meta block has an unknown bloomKey ${JSON.stringify(bloomKey)}`;
  return { ...numbers, smallestKey, largestKey, createdBy: createdBy.toString("utf8"), ...(bloomKey !== undefined && { bloomKey }), userProperties };
}
