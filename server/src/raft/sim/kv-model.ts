/**
 * The replicated key-value register the simulator runs: get, put and compare-and-set on string
 * keys, its sequential specification for the linearizability checker, and the command codec.
 */
import type { Model, Operation } from "./linearizability.js";

export type KvInput =
  | { readonly kind: "get"; readonly key: string }
  | { readonly kind: "put"; readonly key: string; readonly value: string }
  | { readonly kind: "cas"; readonly key: string; readonly expected: string | null; readonly value: string };

export type KvOutput =
  | { readonly kind: "get"; readonly value: string | null }
  | { readonly kind: "put" }
  | { readonly kind: "cas"; readonly ok: boolean };

export type KvOperation = Operation<KvInput, KvOutput>;

/** One key's value (null = absent). */
export type KvState = string | null;

/** Applies `input` to a key's value; the single source of truth for both replicas and checker. */
export function applyKv(state: KvState, input: KvInput): { next: KvState; output: KvOutput } {
  switch (input.kind) {
    case "get":
      return { next: state, output: { kind: "get", value: state } };
    case "put":
      return { next: input.value, output: { kind: "put" } };
    case "cas": {
      const ok = state === input.expected;
      return { next: ok ? input.value : state, output: { kind: "cas", ok } };
    }
  }
}

function outputsEqual(a: KvOutput, b: KvOutput): boolean {
  switch (a.kind) {
    case "get":
      return b.kind === "get" && a.value === b.value;
    case "put":
      return b.kind === "put";
    case "cas":
      return b.kind === "cas" && a.ok === b.ok;
  }
}

export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => null,
  step(state, input, output) {
    const r = applyKv(state, input);
    return output === undefined || outputsEqual(r.output, output) ? r.next : undefined;
  },
  stateKey: (state) => (state === null ? "\u0000" : `=${state}`),
};

export const kvPartitionKey = (input: KvInput): string => input.key;

/** A command as replicated in the log: the input plus who asked, so the replica can answer. */
export interface KvCommand {
  readonly clientId: number;
  readonly opId: number;
  readonly input: KvInput;
}

/** Encodes a command for a log entry (JSON; the simulator favours readability over size). */
export function encodeCommand(c: KvCommand): Uint8Array {
  return Buffer.from(JSON.stringify(c));
}

/** Inverse of `encodeCommand`. */
export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString()) as KvCommand;
}

/** Renders an operation for failure messages. */
export function describeOperation(o: KvOperation): string {
  const i = o.input;
  const call = i.kind === "get" ? `get(${i.key})` : i.kind === "put" ? `put(${i.key}, ${i.value})` : `cas(${i.key}, ${i.expected}, ${i.value})`;
  const out = o.output === undefined ? "?" : JSON.stringify(o.output);
  return `client ${o.clientId}: ${call} -> ${out} @[${o.callAt}, ${o.returnAt}]`;
}
