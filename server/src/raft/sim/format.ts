/** One-line renderings of messages for traces and golden files. */
import type { Entry, Message } from "../types.js";

function formatEntry(e: Entry): string {
  switch (e.kind) {
    case "normal":
      return `${e.index}/${e.term}${e.data.length === 0 ? "" : `:${Buffer.from(e.data).toString()}`}`;
    case "conf-change":
      return `${e.index}/${e.term}:${e.change.kind}(${e.change.nodeId})`;
  }
}

const ctx = (c: Uint8Array): string => (c.length === 0 ? "" : ` ctx=${Buffer.from(c).toString()}`);

/** Renders `m` as `from->to kind term=T fields...`. */
export function formatMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.kind} term=${m.term}`;
  switch (m.kind) {
    case "pre-vote":
      return `${head} last=${m.lastIndex}/${m.lastTerm}`;
    case "vote":
      return `${head} last=${m.lastIndex}/${m.lastTerm}${m.transfer ? " transfer" : ""}`;
    case "pre-vote-response":
    case "vote-response":
      return `${head}${m.reject ? " reject" : ""}`;
    case "append":
      return `${head} prev=${m.prevIndex}/${m.prevTerm} commit=${m.commit} [${m.entries.map(formatEntry).join(" ")}]`;
    case "append-response":
      return `${head} index=${m.index}${m.reject ? ` reject hint=${m.rejectHint}/${m.logTerm}` : ""}`;
    case "heartbeat":
      return `${head} commit=${m.commit}${ctx(m.context)}`;
    case "heartbeat-response":
    case "read-index":
      return `${head}${ctx(m.context)}`;
    case "snapshot-chunk":
      return `${head} snap=${m.meta.index}/${m.meta.term} bytes=${m.offsetBytes}+${m.data.length}/${m.totalBytes}`;
    case "snapshot-ack":
      return `${head} snap=${m.snapshotIndex} received=${m.receivedBytes}${m.gap ? " gap" : ""}`;
    case "timeout-now":
      return head;
    case "read-index-response":
      return `${head} index=${m.index}${ctx(m.context)}`;
  }
}
