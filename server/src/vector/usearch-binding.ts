/**
 * The part of usearch's Node binding (v2.26) this layer uses, with exact types, plus what the
 * binding lacks and we build around it:
 *
 * - save/load take only file paths (the C++ library can stream to memory; the binding does not
 *   expose it), so a Buffer round trip goes through a private temporary directory that is removed
 *   afterwards. NB: this is the one place the vector layer touches the file system directly; it
 *   cannot go through `Vfs` because the native code opens the path itself.
 * - there is no way to free an index's native memory on demand (it goes when the wrapper is
 *   garbage collected, and V8 does not know its size), so `release()` loads an empty file: usearch
 *   resets the index before it notices the file is empty, which frees everything at once.
 * - search takes no expansion argument (`expansion_search` is fixed at construction), but the
 *   graph search uses max(expansion_search, wanted) candidates; see `HnswIndex.search`.
 * - no filtered search, no memory_usage(), no access to stored vectors or to the key set (a file
 *   image holds both: `usearchImageSlots` reads them from one without loading it).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Index, MetricKind, ScalarKind } from "usearch";

/** usearch's names for the metrics we use. */
export type UsearchMetric = "l2sq" | "cos" | "ip";

const METRIC_KIND: Readonly<Record<UsearchMetric, MetricKind>> = {
  l2sq: MetricKind.L2sq,
  cos: MetricKind.Cos,
  ip: MetricKind.IP,
};

/** The metric byte usearch writes in its file header (`metric_kind_t`). */
export const USEARCH_METRIC_BYTE: Readonly<Record<UsearchMetric, number>> = {
  l2sq: "e".charCodeAt(0),
  cos: "c".charCodeAt(0),
  ip: "i".charCodeAt(0),
};

/** usearch's key for "no key" (`default_free_value<u64>`): a vector added under it is invisible. */
export const USEARCH_FREE_KEY = 2n ** 64n - 1n;

export interface NativeIndexConfig {
  readonly dims: number;
  readonly metric: UsearchMetric;
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly expansionSearch: number;
}

/** Keys and usearch's own distances, nearest first; both arrays have the same length. */
export interface NativeMatches {
  readonly keys: BigUint64Array;
  readonly distances: Float32Array;
}

/** One usearch `Index` with f32 storage and unique keys. */
export class NativeIndex {
  private constructor(private readonly index: Index) {}

  /** NB: the config must already be validated; usearch checks little and may abort on nonsense. */
  static create(config: NativeIndexConfig): NativeIndex {
    return new NativeIndex(
      new Index({
        dimensions: config.dims,
        metric: METRIC_KIND[config.metric],
        quantization: ScalarKind.F32,
        connectivity: config.connectivity,
        expansion_add: config.expansionAdd,
        expansion_search: config.expansionSearch,
        multi: false,
      }),
    );
  }

  /** Adds `keys.length` vectors laid out back to back in `vectors`, on up to `threads` threads. */
  add(keys: BigUint64Array, vectors: Float32Array, threads: number): void {
    this.index.add(keys, vectors, threads);
  }

  search(query: Float32Array, wanted: number): NativeMatches {
    const m = this.index.search(query, wanted, 1);
    return { keys: m.keys, distances: m.distances };
  }

  /** True if the key was present and is now removed. */
  remove(key: bigint): boolean {
    const removed = this.index.remove(key);
    return (typeof removed === "number" ? removed : (removed[0] ?? 0)) > 0;
  }

  contains(key: bigint): boolean {
    const found = this.index.contains(key);
    return typeof found === "boolean" ? found : found[0] === true;
  }

  /** Live vectors (removed ones excluded). */
  size(): number {
    return this.index.size();
  }

  /** Node slots reserved; usearch grows this to powers of two. */
  capacity(): number {
    return this.index.capacity();
  }

  /** usearch's file image of the index. */
  toBuffer(): Buffer {
    return withTempFile((path) => {
      this.index.save(path);
      return readFileSync(path);
    });
  }

  /**
   * Replaces the index's contents with a file image. NB: usearch trusts the image's structure;
   * only hand it bytes that passed a checksum. Throws usearch's error for an image it rejects.
   */
  loadBuffer(bytes: Uint8Array): void {
    withTempFile((path) => {
      writeFileSync(path, bytes);
      this.index.load(path);
    });
  }

  /**
   * Frees the native memory now; the index is empty afterwards. Best effort: if the temporary
   * file cannot be written, returns false and the memory goes with garbage collection instead.
   */
  release(): boolean {
    try {
      withTempFile((path) => {
        writeFileSync(path, new Uint8Array(0));
        this.index.load(path);
      });
    } catch (e) {
      if (isFileSystemError(e)) return false;
      // Otherwise usearch reset the index and then failed on the empty file, as intended.
    }
    return this.index.size() === 0;
  }
}

function isFileSystemError(e: unknown): boolean {
  return typeof e === "object" && e !== null && "syscall" in e;
}

function withTempFile<T>(use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "alopex-usearch-"));
  try {
    return use(join(dir, "index.usearch"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a usearch file image says about itself; `parseUsearchImage` reads it. */
export interface UsearchImageHeader {
  /** Node slots, live and removed. */
  readonly slots: number;
  readonly bytesPerVector: number;
  readonly versionMajor: number;
  readonly metricByte: number;
  readonly scalarByte: number;
  readonly keyScalarByte: number;
  readonly slotScalarByte: number;
  readonly countPresent: number;
  readonly countDeleted: number;
  readonly dims: number;
  readonly multi: boolean;
  /** Nodes in the graph (must equal `slots`). */
  readonly graphNodes: number;
  readonly connectivity: number;
  readonly connectivityBase: number;
}

/** usearch's `scalar_kind_t` codes for the types an f32 index with u64 keys and u32 slots uses. */
export const USEARCH_SCALAR = { f32: 11, u64: 14, u32: 15 } as const;

const IMAGE_MAGIC = "usearch";
const DENSE_HEAD_BYTES = 64;
const GRAPH_HEAD_BYTES = 5 * 8;

/**
 * Parses the headers of a usearch file image (v2 layout: rows u32 | bytes per row u32 | vectors |
 * 64-byte dense head | graph head | levels | nodes). Returns the reason when the bytes cannot be
 * such an image. Pure; never throws. NB: checks the headers and lengths only, not the graph.
 */
export function parseUsearchImage(bytes: Uint8Array): UsearchImageHeader | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) return "usearch image shorter than its matrix header";
  const slots = view.getUint32(0, true);
  const bytesPerVector = view.getUint32(4, true);
  const head = 8 + slots * bytesPerVector;
  if (head + DENSE_HEAD_BYTES + GRAPH_HEAD_BYTES > bytes.length) return "usearch image shorter than its vectors and headers";
  for (let i = 0; i < IMAGE_MAGIC.length; i++) {
    if (bytes[head + i] !== IMAGE_MAGIC.charCodeAt(i)) return "usearch image magic mismatch";
  }
  const u64 = (at: number): number => {
    const v = view.getBigUint64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  const graph = head + DENSE_HEAD_BYTES;
  return {
    slots,
    bytesPerVector,
    versionMajor: view.getUint16(head + 7, true),
    metricByte: bytes[head + 13]!,
    scalarByte: bytes[head + 14]!,
    keyScalarByte: bytes[head + 15]!,
    slotScalarByte: bytes[head + 16]!,
    countPresent: u64(head + 17),
    countDeleted: u64(head + 25),
    dims: u64(head + 33),
    multi: bytes[head + 41] !== 0,
    graphNodes: u64(graph),
    connectivity: u64(graph + 8),
    connectivityBase: u64(graph + 16),
  };
}

/** What `usearchImageSlots` finds: each slot's key, and where the slots' vectors start. */
export interface UsearchImageSlots {
  /** The key of each node slot, in slot order; `USEARCH_FREE_KEY` for a removed node. */
  readonly keys: BigUint64Array;
  /** Offset in the image of slot 0's vector; slot i's is `bytesPerVector` × i further. */
  readonly vectorsOffset: number;
}

/** Bytes of a node's head (key u64, level i16) and of a neighbour list's count (u32). */
const NODE_HEAD_BYTES = 10;
const NEIGHBOUR_COUNT_BYTES = 4;
const SLOT_BYTES = 4;

/**
 * Reads each node's key from a usearch image whose headers `parseUsearchImage` accepted, without
 * loading it: the graph is a levels array (i16 per node) and then the nodes (key u64 | level i16 |
 * base layer: count u32 + 2m u32 slots | per upper level: count u32 + m u32 slots). Usearch
 * stores the vectors first, in slot order, so a slot's vector is found by its index. Returns the
 * reason when the graph's lengths do not add up to the image. Pure; never throws.
 */
export function usearchImageSlots(image: Uint8Array, header: UsearchImageHeader): UsearchImageSlots | string {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const slots = header.slots;
  const levelsAt = 8 + slots * header.bytesPerVector + DENSE_HEAD_BYTES + GRAPH_HEAD_BYTES;
  let at = levelsAt + 2 * slots;
  if (at > image.length) return "usearch image shorter than its levels array";
  const baseBytes = NODE_HEAD_BYTES + NEIGHBOUR_COUNT_BYTES + SLOT_BYTES * header.connectivityBase;
  const levelBytes = NEIGHBOUR_COUNT_BYTES + SLOT_BYTES * header.connectivity;
  const keys = new BigUint64Array(slots);
  for (let i = 0; i < slots; i++) {
    const level = view.getInt16(levelsAt + 2 * i, true);
    if (level < 0) return `usearch image node ${i} has level ${level}`;
    if (at + baseBytes + level * levelBytes > image.length) return `usearch image ends inside node ${i}`;
    keys[i] = view.getBigUint64(at, true);
    if (view.getInt16(at + 8, true) !== level) return `usearch image node ${i} disagrees with the levels array`;
    at += baseBytes + level * levelBytes;
  }
  if (at !== image.length) return `usearch image has ${image.length - at} bytes after its last node`;
  return { keys, vectorsOffset: 8 };
}
