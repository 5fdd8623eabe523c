/**
 * Flow control for one follower: the last index of each append in flight, oldest first, bounded
 * by count and bytes. A full window pauses replication until acks free slots.
 */
export class Inflights {
  private readonly lastIndexes: number[] = [];
  private readonly sizesBytes: number[] = [];
  private bytes = 0;

  constructor(
    readonly countMax: number,
    readonly bytesMax: number,
  ) {}

  add(lastIndex: number, sizeBytes: number): void {
    this.lastIndexes.push(lastIndex);
    this.sizesBytes.push(sizeBytes);
    this.bytes += sizeBytes;
  }

  /** Frees every in-flight append whose last index is <= `index` (it was acknowledged). */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.lastIndexes.length && (this.lastIndexes[n] as number) <= index) {
      this.bytes -= this.sizesBytes[n] as number;
      n++;
    }
    if (n === 0) return;
    this.lastIndexes.splice(0, n);
    this.sizesBytes.splice(0, n);
  }

  /** Frees the oldest slot: a heartbeat response proves the follower is alive though acks were lost. */
  freeFirstOne(): void {
    const first = this.lastIndexes[0];
    if (first !== undefined) this.freeLE(first);
  }

  full(): boolean {
    return this.lastIndexes.length >= this.countMax || (this.bytesMax > 0 && this.bytes >= this.bytesMax);
  }

  count(): number {
    return this.lastIndexes.length;
  }

  reset(): void {
    this.lastIndexes.length = 0;
    this.sizesBytes.length = 0;
    this.bytes = 0;
  }
}
