import { compareInternalKeys, TRAILER_BYTES } from "../internal-key.js";
import type { InternalIterator } from "../iterator.js";
import type { RandomSource } from "./prng.js";

/**
 * A skiplist of (internal key → value), ordered by `compareInternalKeys`. Single-threaded, insert
 * only (deletes are tombstone entries); iterators stay valid across inserts because nodes never
 * move or disappear.
 */
export const SKIPLIST_MAX_HEIGHT = 12;
/** 1 in 4 nodes grows a level: LevelDB's branching factor, a good balance of memory and depth. */
const BRANCHING_MASK = 3;

interface Node {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly next: (Node | null)[];
  /** Level-0 predecessor (the head for the first node): what `insertBefore` splices after. */
  prev0: Node | null;
}

export class SkipList {
  private readonly head: Node = { key: Buffer.alloc(0), value: Buffer.alloc(0), next: new Array(SKIPLIST_MAX_HEIGHT).fill(null), prev0: null };
  private height = 1;
  private count = 0;
  /** Scratch for findGreaterOrEqual's predecessors; reused so inserts allocate only the node. */
  private readonly prevScratch: Node[] = new Array<Node>(SKIPLIST_MAX_HEIGHT);

  constructor(private readonly random: RandomSource) {}

  get size(): number {
    return this.count;
  }

  /** Inserts a key that is not already present (internal keys are unique by sequence number). */
  insert(key: Buffer, value: Buffer): Node {
    const prev = this.prevScratch;
    const found = this.findGreaterOrEqual(key, prev);
    if (found !== null && compareInternalKeys(found.key, key) === 0) {
      throw new Error("skiplist: duplicate internal key");
    }
    const h = this.randomHeight();
    if (h > this.height) {
      for (let i = this.height; i < h; i++) prev[i] = this.head;
      this.height = h;
    }
    const node: Node = { key, value, next: new Array<Node | null>(h), prev0: prev[0]! };
    for (let i = 0; i < h; i++) {
      node.next[i] = prev[i]!.next[i]!;
      prev[i]!.next[i] = node;
    }
    const after = node.next[0];
    if (after) after.prev0 = node;
    this.count++;
    return node;
  }

  /**
   * Inserts `key` as a height-1 node right before `successor`, without a search. The caller
   * guarantees that `key` sorts between `successor`'s predecessor and `successor`. Only level 0
   * learns of the node, so callers bound how many such nodes they put in a row (a search that
   * lands among them walks them one by one).
   */
  insertBefore(successor: Node, key: Buffer, value: Buffer): Node {
    const before = successor.prev0!;
    const node: Node = { key, value, next: [successor], prev0: before };
    before.next[0] = node;
    successor.prev0 = node;
    this.count++;
    return node;
  }

  /** The first node at or after `from` (level 0 walk) whose key is >= target. */
  walkFrom(from: Node, target: Buffer): Node | null {
    let x: Node | null = from;
    while (x !== null && compareInternalKeys(x.key, target) < 0) x = x.next[0] ?? null;
    return x;
  }

  /** First node with key >= target, filling `prev` with each level's predecessor if given. */
  findGreaterOrEqual(target: Buffer, prev?: Node[]): Node | null {
    let x = this.head;
    let level = this.height - 1;
    while (true) {
      const next = x.next[level] ?? null;
      if (next !== null && compareInternalKeys(next.key, target) < 0) {
        x = next;
      } else {
        if (prev) prev[level] = x;
        if (level === 0) return next;
        level--;
      }
    }
  }

  /** Last node with key < target, or the head. */
  findLessThan(target: Buffer): Node {
    let x = this.head;
    let level = this.height - 1;
    while (true) {
      const next = x.next[level] ?? null;
      if (next !== null && compareInternalKeys(next.key, target) < 0) {
        x = next;
      } else {
        if (level === 0) return x;
        level--;
      }
    }
  }

  /** The last node, or the head when empty. */
  findLast(): Node {
    let x = this.head;
    let level = this.height - 1;
    while (true) {
      const next = x.next[level] ?? null;
      if (next !== null) x = next;
      else if (level === 0) return x;
      else level--;
    }
  }

  first(): Node | null {
    return this.head.next[0] ?? null;
  }

  isHead(node: Node): boolean {
    return node === this.head;
  }

  iterator(): SkipListIterator {
    return new SkipListIterator(this);
  }

  private randomHeight(): number {
    let h = 1;
    while (h < SKIPLIST_MAX_HEIGHT && (this.random.nextUint32() & BRANCHING_MASK) === 0) h++;
    return h;
  }
}

export type SkipListNode = Node;

export class SkipListIterator implements InternalIterator {
  private node: Node | null = null;

  constructor(private readonly list: SkipList) {}

  valid(): boolean {
    return this.node !== null;
  }
  seekToFirst(): void {
    this.node = this.list.first();
  }
  seekToLast(): void {
    const last = this.list.findLast();
    this.node = this.list.isHead(last) ? null : last;
  }
  seek(target: Buffer): void {
    this.node = this.list.findGreaterOrEqual(target);
  }
  /** Positions at the first node at or after `from` with key >= target (see SkipList.walkFrom). */
  seekFrom(from: Node | null, target: Buffer): void {
    this.node = from === null ? null : this.list.walkFrom(from, target);
  }
  seekForPrev(target: Buffer): void {
    const ge = this.list.findGreaterOrEqual(target);
    if (ge !== null && compareInternalKeys(ge.key, target) === 0) {
      this.node = ge;
      return;
    }
    const lt = this.list.findLessThan(target);
    this.node = this.list.isHead(lt) ? null : lt;
  }
  next(): void {
    this.node = this.node!.next[0] ?? null;
  }
  prev(): void {
    const p = this.node!.prev0;
    this.node = p === null || this.list.isHead(p) ? null : p;
  }
  key(): Buffer {
    return this.node!.key;
  }
  value(): Buffer {
    return this.node!.value;
  }
  close(): void {
    this.node = null;
  }
}

/** Byte overhead charged per entry beyond key and value: node object, next array, buffer headers. */
export function skipListEntryOverheadBytes(height = 2): number {
  return 104 + height * 8 + TRAILER_BYTES;
}
