/** One replica's key-value state machine: the map, the applied index and the snapshot codec. */
import { applyKv, type KvInput, type KvOutput } from "./kv-model.js";

export class KvReplica {
  values = new Map<string, string>();
  applied = 0;

  /** Restores from snapshot `data` (empty = the empty map) taken at `index`. */
  static fromSnapshot(data: Uint8Array, index: number): KvReplica {
    const r = new KvReplica();
    r.restore(data, index);
    return r;
  }

  restore(data: Uint8Array, index: number): void {
    const pairs = data.length === 0 ? [] : (JSON.parse(Buffer.from(data).toString()) as [string, string][]);
    this.values = new Map(pairs);
    this.applied = index;
  }

  snapshot(): Uint8Array {
    const pairs = [...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Buffer.from(JSON.stringify(pairs));
  }

  /** Applies the entry at `index` (which must be the next one); `input` is undefined for no-ops. */
  apply(index: number, input: KvInput | undefined): KvOutput | undefined {
    if (index !== this.applied + 1) throw new Error(`replica applies ${index} after ${this.applied}`);
    this.applied = index;
    if (input === undefined) return undefined;
    const r = applyKv(this.values.get(input.key) ?? null, input);
    if (r.next === null) this.values.delete(input.key);
    else this.values.set(input.key, r.next);
    return r.output;
  }

  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }
}
