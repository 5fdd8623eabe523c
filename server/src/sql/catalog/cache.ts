/**
 * A process-wide cache of decoded catalog entries, keyed by catalog version.
 *
 * Every DDL transaction writes the version key `[0, "meta", "version"]` with a token of its
 * own (random, so unique across transactions and stores) and takes that key's exclusive lock
 * before reading the catalog for its change. So the version a snapshot sees names the last DDL
 * commit at or below it, and every snapshot that sees the same token sees the same catalog:
 * entries decoded by one transaction can be handed to any other that reads the same token.
 * A DDL commit invalidates nothing explicitly; its token is new, so readers after it start a
 * new entry set, and old sets age out.
 *
 * What may not use it (see catalog.ts): a transaction's own uncommitted DDL (kept privately),
 * Read Uncommitted (which can see another transaction's half-done DDL under its token), and
 * read-write Serializable transactions (reading the version key would make any concurrent DDL
 * a conflict at commit).
 */
export class CatalogCache {
  private readonly versions = new Map<string, Map<string, unknown>>();
  /** The most recently used version, answered without reordering `versions` (nearly every call asks for it). */
  private newestToken: string | undefined;
  private newestEntries: Map<string, unknown> | undefined;

  /** `maxVersions`: how many catalog versions to keep entries for (older ones are dropped). */
  constructor(readonly maxVersions = 4) {
    if (!Number.isInteger(maxVersions) || maxVersions < 1) throw new RangeError(`maxVersions must be a positive integer, not ${maxVersions}`);
  }

  /** The entry set for a version token (created empty on first use), most recently used last. */
  entries(token: string): Map<string, unknown> {
    if (token === this.newestToken) return this.newestEntries!;
    let m = this.versions.get(token);
    if (m) {
      this.versions.delete(token);
    } else {
      m = new Map();
      while (this.versions.size >= this.maxVersions) this.versions.delete(this.versions.keys().next().value!);
    }
    this.versions.set(token, m);
    this.newestToken = token;
    this.newestEntries = m;
    return m;
  }

  /** Versions currently held. */
  get size(): number {
    return this.versions.size;
  }

  clear(): void {
    this.versions.clear();
    this.newestToken = undefined;
    this.newestEntries = undefined;
  }
}
