import { assert } from "../assert.js";
import { ByteBuffer } from "./byte-buffer.js";

/**
 * Builds one block in the LevelDB layout (see `format.ts`): prefix-compressed entries with a
 * restart point every `restartInterval` entries. The builder does not compare keys; the caller
 * (writer) asserts their order, because the meta block orders its keys bytewise and data/index
 * blocks order theirs as internal keys.
 */
export class BlockBuilder {
  private readonly out = new ByteBuffer();
  private readonly restarts: number[] = [0];
  private entriesSinceRestart = 0;
  private entryCount = 0;
  private lastKey = new ByteBuffer(64);

  constructor(private readonly restartInterval: number) {
    assert(Number.isInteger(restartInterval) && restartInterval >= 1, `restartInterval ${restartInterval} must be >= 1`);
  }

  isEmpty(): boolean {
    return this.entryCount === 0;
  }

  /** Size of the block `finish()` would return now, in bytes (without the trailer). */
  estimatedSizeBytes(): number {
    return this.out.length + 4 * this.restarts.length + 4;
  }

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.entriesSinceRestart === this.restartInterval) {
      this.restarts.push(this.out.length);
      this.entriesSinceRestart = 0;
    } else if (this.entryCount > 0) {
      const last = this.lastKey.view();
      const max = Math.min(last.length, key.length);
      while (shared < max && last[shared] === key[shared]) shared++;
    }
    this.out.pushVarint(shared);
    this.out.pushVarint(key.length - shared);
    this.out.pushVarint(value.length);
    this.out.pushBytes(key, shared);
    this.out.pushBytes(value);
    this.lastKey.reset();
    this.lastKey.pushBytes(key);
    this.entriesSinceRestart++;
    this.entryCount++;
  }

  /**
   * Appends the restart array and returns the block contents.
   * NB: the result is a view of the builder's memory; write or copy it before `reset()`.
   */
  finish(): Buffer {
    for (const r of this.restarts) this.out.pushU32(r);
    this.out.pushU32(this.restarts.length);
    return this.out.view();
  }

  reset(): void {
    this.out.reset();
    this.restarts.length = 1;
    this.restarts[0] = 0;
    this.entriesSinceRestart = 0;
    this.entryCount = 0;
    this.lastKey.reset();
  }
}
