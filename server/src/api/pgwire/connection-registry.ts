/**
 * The server's table of live connections: the connection limit, and the (process id, secret
 * key) pairs that CancelRequest names. Process ids are small counters (unique while the server
 * runs); secret keys are random, since knowing the key is what authorises a cancel.
 */
import { timingSafeEqual } from "node:crypto";

/** What the registry needs of a connection. */
export interface Cancellable {
  /** Asks the running statement to stop (57014), as a CancelRequest does. */
  cancelRunningStatement(): void;
}

interface Entry {
  readonly connection: Cancellable;
  readonly secretKey: number;
}

export interface BackendKey {
  readonly processId: number;
  readonly secretKey: number;
}

const MAX_PROCESS_ID = 0x7fffffff;

export class ConnectionRegistry {
  private readonly entries = new Map<number, Entry>();
  private nextProcessId = 1;

  constructor(
    private readonly maxConnections: number,
    private readonly randomInt32: () => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Registers a connection, or returns undefined when the limit is reached (53300). */
  register(connection: Cancellable): BackendKey | undefined {
    if (this.entries.size >= this.maxConnections) return undefined;
    let processId = this.nextProcessId;
    while (this.entries.has(processId)) processId = processId >= MAX_PROCESS_ID ? 1 : processId + 1;
    this.nextProcessId = processId >= MAX_PROCESS_ID ? 1 : processId + 1;
    const secretKey = this.randomInt32();
    this.entries.set(processId, { connection, secretKey });
    return { processId, secretKey };
  }

  unregister(processId: number): void {
    this.entries.delete(processId);
  }

  /** Cancels the statement of the connection with that key; a wrong pair does nothing (no answer is sent either way). */
  cancel(processId: number, secretKey: number): boolean {
    const entry = this.entries.get(processId);
    if (entry === undefined) return false;
    const a = Buffer.alloc(4);
    const b = Buffer.alloc(4);
    a.writeInt32BE(entry.secretKey);
    b.writeInt32BE(secretKey | 0);
    if (!timingSafeEqual(a, b)) return false;
    entry.connection.cancelRunningStatement();
    return true;
  }
}
