/**
 * The thin I/O shell around one client socket: bytes in through a FrontendReader, backend
 * messages out through a bounded output buffer, and the TLS upgrade after SSLRequest.
 *
 * Reading is pull-based: the connection asks for the next message when it is ready for one.
 * While it is busy, incoming bytes pile up only to `inputLimitBytes` (then the socket is paused,
 * so a client that pipelines without reading cannot grow the server's memory without bound).
 */
import type { Socket } from "node:net";
import { type SecureContext, TLSSocket } from "node:tls";
import { ProtocolViolation } from "./errors.js";
import { type FrontendMessage, FrontendReader, type StartupPacket } from "./frontend-messages.js";

export interface SocketChannelOptions {
  readonly maxMessageBytes: number;
  /** Unread input kept before the socket is paused (a message larger than this is still read whole). */
  readonly inputLimitBytes: number;
  /** Output buffered before a flush is forced while results stream. */
  readonly outputFlushBytes: number;
}

const RESOLVED: Promise<void> = Promise.resolve();

export class SocketChannel {
  private socket: Socket;
  private readonly reader: FrontendReader;
  private ended = false;
  private wake: (() => void) | undefined;
  private outbox: Buffer[] = [];
  private outboxBytes = 0;
  private encryptedFlag = false;
  private readonly onData = (chunk: Buffer): void => {
    this.reader.push(chunk);
    if (this.reader.bufferedBytes > this.options.inputLimitBytes) this.socket.pause();
    this.signal();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.signal();
  };
  // Errors (resets, writes after the peer left) end the connection; they are never thrown.
  private readonly onError = (): void => this.onEnd();

  constructor(
    socket: Socket,
    private readonly options: SocketChannelOptions,
  ) {
    this.socket = socket;
    this.reader = new FrontendReader({ maxMessageBytes: options.maxMessageBytes });
    this.attach(socket);
  }

  get encrypted(): boolean {
    return this.encryptedFlag;
  }

  get closed(): boolean {
    return this.ended || this.socket.destroyed;
  }

  /** The peer's address as pg_hba messages print it. */
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? "unknown";
  }

  /** Bytes received and not yet read as messages. */
  get bufferedInputBytes(): number {
    return this.reader.bufferedBytes;
  }

  /** The first packet, or null when the client left first. Throws ProtocolViolation. */
  async readStartup(): Promise<StartupPacket | null> {
    return this.pull(() => this.reader.readStartup());
  }

  /** The next message, or null when the client left. Throws ProtocolViolation. */
  async read(): Promise<FrontendMessage | null> {
    while (true) {
      const message = this.reader.read();
      if (message !== undefined) return message;
      if (this.closed) return null;
      await this.moreInput();
    }
  }

  /**
   * The next message if a whole one is already buffered, else undefined (then `read` waits for
   * one). Lets the message loop take a pipelined message without a promise. Throws ProtocolViolation.
   */
  readBuffered(): FrontendMessage | undefined {
    return this.reader.read();
  }

  /** Whether a complete message is already buffered (reading it would not wait). */
  hasBufferedMessage(): boolean {
    return this.reader.hasCompleteMessage();
  }

  /** Queues a message; it goes out at the next flush (or sooner once the buffer is large). */
  send(message: Buffer): void {
    if (this.socket.destroyed) return;
    this.outbox.push(message);
    this.outboxBytes += message.length;
  }

  /** Whether the queued output is large enough to flush before more is produced (so results stream). */
  get flushDue(): boolean {
    return this.outboxBytes >= this.options.outputFlushBytes;
  }

  /** Flushes when the queued output is large; used between row batches so results stream. */
  async maybeFlush(): Promise<void> {
    if (this.outboxBytes >= this.options.outputFlushBytes) await this.flush();
  }

  /** Writes everything queued; waits while the client is not reading (backpressure). */
  flush(): Promise<void> {
    // Not async: nearly every flush is taken by the socket at once, once per Sync.
    if (this.outbox.length === 0) return RESOLVED;
    const data = this.outbox.length === 1 ? this.outbox[0]! : Buffer.concat(this.outbox, this.outboxBytes);
    this.outbox = [];
    this.outboxBytes = 0;
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return RESOLVED;
    if (socket.write(data)) return RESOLVED;
    return this.drained(socket);
  }

  private async drained(socket: Socket): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off("drain", done);
        socket.off("close", done);
        resolve();
      };
      socket.on("drain", done);
      socket.on("close", done);
    });
  }

  /**
   * Switches to TLS after the 'S' answer was flushed. Any byte the client sent after SSLRequest
   * and before the handshake would be plaintext injected ahead of the encrypted stream
   * (CVE-2021-23214), so it is a protocol violation.
   */
  async upgradeToTls(context: SecureContext): Promise<boolean> {
    if (this.reader.bufferedBytes > 0) throw new ProtocolViolation("received unencrypted data after SSL request");
    const raw = this.socket;
    this.detach(raw);
    const secure = new TLSSocket(raw, { isServer: true, secureContext: context });
    raw.on("error", () => secure.destroy());
    this.socket = secure;
    this.attach(secure);
    const ok = await new Promise<boolean>((resolve) => {
      secure.once("secure", () => resolve(true));
      secure.once("error", () => resolve(false));
      secure.once("close", () => resolve(false));
    });
    this.encryptedFlag = ok;
    return ok;
  }

  /** Sends what is queued, then closes the connection. */
  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    this.ended = true;
    if (!this.socket.destroyed) this.socket.end();
    // A peer that does not close its side must not hold the socket open.
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.signal();
  }

  /** Drops the connection at once (unsent output is lost). */
  destroy(): void {
    this.ended = true;
    this.socket.destroy();
    this.signal();
  }

  private async pull<T>(read: () => T | undefined): Promise<T | null> {
    while (true) {
      const item = read();
      if (item !== undefined) return item;
      if (this.closed) return null;
      await this.moreInput();
    }
  }

  /** Resolves when input arrives or the connection ends. */
  private moreInput(): Promise<void> {
    // No complete message is buffered, so more input is needed whatever the limit says.
    if (this.socket.isPaused()) this.socket.resume();
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private attach(socket: Socket): void {
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    socket.on("error", this.onError);
  }

  private detach(socket: Socket): void {
    socket.off("data", this.onData);
    socket.off("end", this.onEnd);
    socket.off("close", this.onEnd);
    // The error listener stays: an error on the raw socket must never go unhandled.
  }
}
