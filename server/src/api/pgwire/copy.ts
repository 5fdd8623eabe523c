/**
 * The COPY sub-protocols. COPY FROM STDIN: CopyInResponse, then the client's CopyData until
 * CopyDone (or CopyFail, 57014), handed to the session's stream. COPY TO STDOUT:
 * CopyOutResponse, the stream's CopyData, CopyDone. Both end with CommandComplete "COPY n".
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { CopyStream, StatementResult } from "../../sql/session/api.js";
import { BINARY_FORMAT, commandComplete, copyData, copyDone, copyInResponse, copyOutResponse, type FormatCode, TEXT_FORMAT } from "./backend-messages.js";
import { ClientGone } from "./errors.js";
import type { QueryContext } from "./query-context.js";

/** Runs a COPY result's data exchange and sends its CommandComplete. */
export async function runCopy(ctx: QueryContext, result: StatementResult, copy: CopyStream): Promise<void> {
  const format: FormatCode = copy.format === "binary" ? BINARY_FORMAT : TEXT_FORMAT;
  const columnFormats = copy.columns.map(() => format);
  let count: number | undefined;
  if (copy.direction === "out") {
    ctx.channel.send(copyOutResponse(format, columnFormats));
    let rows = 0;
    for await (const chunk of copy.send()) {
      ctx.channel.send(copyData(chunk));
      rows++;
      await ctx.channel.maybeFlush();
    }
    ctx.channel.send(copyDone());
    count = rows;
  } else {
    ctx.channel.send(copyInResponse(format, columnFormats));
    await ctx.channel.flush();
    count = await copyIn(ctx, copy);
  }
  ctx.sendNotices();
  const tag = result.commandTag;
  ctx.channel.send(commandComplete(tag.startsWith("COPY") ? tag : `COPY ${count}`));
}

async function copyIn(ctx: QueryContext, copy: Extract<CopyStream, { direction: "in" }>): Promise<number> {
  let ended = false;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    while (!ended) {
      const message = await ctx.channel.read();
      if (message === null || message.kind === "Terminate") throw new ClientGone();
      switch (message.kind) {
        case "CopyData":
          yield message.data;
          break;
        case "CopyDone":
          ended = true;
          return;
        case "CopyFail":
          ended = true;
          throw new SqlStateError(`COPY from stdin failed: ${message.message}`, "57014");
        // PostgreSQL ignores these during COPY IN: libpq may send them in the middle.
        case "Flush":
        case "Sync":
          break;
        default:
          ended = true;
          throw new SqlStateError(`unexpected message type 0x${messageTypeCode(message.kind)} during COPY from stdin`, "08P01");
      }
    }
  }
  const rows = await copy.receive(chunks());
  // A stream that stopped reading early still owes the client a drained COPY: the rest of its
  // data must not be taken for the next commands.
  if (!ended) for await (const _ of chunks());
  return rows;
}

const TYPE_CODES: Readonly<Record<string, string>> = {
  Query: "51",
  Parse: "50",
  Bind: "42",
  Describe: "44",
  Execute: "45",
  Close: "43",
  Password: "70",
  FunctionCall: "46",
};

function messageTypeCode(kind: string): string {
  return TYPE_CODES[kind] ?? "00";
}
