/**
 * A byte-level client for protocol tests: it sends whatever bytes a test builds (valid or not)
 * and reads backend messages back, so tests can check exact message sequences.
 */
import { connect, type Socket } from "node:net";
import type { FrontendMessage } from "../frontend-messages.js";
import { type BackendMessage, encodeMessage, errorFieldsOfBody, saslInitialResponse, saslResponse, splitBackendMessages, startupMessage } from "./frontend-encoder.js";
import { ScramClient } from "./scram-client.js";

export class RawClient {
  private buffer = Buffer.alloc(0);
  private readonly messages: BackendMessage[] = [];
  private closedFlag = false;
  private wake: (() => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.signal();
    });
    socket.on("close", () => {
      this.closedFlag = true;
      this.signal();
    });
    socket.on("error", () => undefined);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new RawClient(socket);
  }

  /** Connects and completes a trust-auth startup; resolves after the first ReadyForQuery. */
  static async startup(port: number, parameters: Record<string, string> = { user: "alice", database: "db" }): Promise<{ client: RawClient; greeting: BackendMessage[] }> {
    const client = await RawClient.connect(port);
    client.write(startupMessage(parameters));
    const greeting = await client.readUntil("Z");
    return { client, greeting };
  }

  /** Connects and authenticates with SCRAM-SHA-256 (checking the server's proof too); resolves after the first ReadyForQuery. */
  static async startupScram(port: number, parameters: Record<string, string>, password: string): Promise<{ client: RawClient; greeting: BackendMessage[] }> {
    const client = await RawClient.connect(port);
    client.write(startupMessage(parameters));
    await client.readUntil("R");
    const scram = new ScramClient(password, "rawclientnonce");
    client.write(saslInitialResponse("SCRAM-SHA-256", scram.clientFirst()));
    const [serverFirst] = (await client.readUntil("R")).slice(-1);
    client.write(saslResponse(scram.clientFinal(serverFirst!.body.subarray(4).toString("utf8"))));
    const [serverFinal] = (await client.readUntil("R")).slice(-1);
    if (!scram.verifyServerFinal(serverFinal!.body.subarray(4).toString("utf8"))) throw new Error("the server's SCRAM proof is wrong");
    const greeting = await client.readUntil("Z");
    return { client, greeting };
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  send(...messages: FrontendMessage[]): void {
    this.write(Buffer.concat(messages.map(encodeMessage)));
  }

  /** Messages up to and including the first of type `type`; rejects on close or timeout. */
  async readUntil(type: string, timeoutMs = 5000): Promise<BackendMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      this.parse();
      const i = this.messages.findIndex((m) => m.type === type);
      if (i >= 0) return this.messages.splice(0, i + 1);
      if (this.closedFlag) throw new Error(`connection closed before '${type}'; got ${this.describe(this.messages)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for '${type}'; got ${this.describe(this.messages)}`);
      await this.waitForInput(left);
    }
  }

  /** Everything received until the server closes the connection. */
  async readUntilClosed(timeoutMs = 5000): Promise<BackendMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closedFlag) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for the server to close; got ${this.describe(this.messages)}`);
      await this.waitForInput(left);
    }
    this.parse();
    return this.messages.splice(0);
  }

  /** Raw bytes received that do not form a message (e.g. the one-byte SSLRequest answer). */
  async readRawByte(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length === 0) {
      if (this.closedFlag) throw new Error("closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a byte");
      await this.waitForInput(left);
    }
    const b = String.fromCharCode(this.buffer[0]!);
    this.buffer = this.buffer.subarray(1);
    return b;
  }

  close(): void {
    this.socket.destroy();
  }

  /** Frames what arrived into messages (lazily, so a raw byte such as the SSLRequest answer can be taken first). */
  private parse(): void {
    const { messages, rest } = splitBackendMessages(this.buffer);
    this.messages.push(...messages);
    this.buffer = Buffer.from(rest);
  }

  private describe(messages: readonly BackendMessage[]): string {
    return messages.map((m) => (m.type === "E" || m.type === "N" ? `${m.type}(${JSON.stringify(errorFieldsOfBody(m.body))})` : m.type)).join(" ") || "nothing";
  }

  private waitForInput(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/** The types of messages, as a compact string ("TDCZ") for sequence assertions. */
export function types(messages: readonly BackendMessage[]): string {
  return messages.map((m) => m.type).join("");
}

/** The ErrorResponse fields of the first error in `messages`. */
export function firstError(messages: readonly BackendMessage[]): Record<string, string> | undefined {
  const e = messages.find((m) => m.type === "E");
  return e === undefined ? undefined : errorFieldsOfBody(e.body);
}
