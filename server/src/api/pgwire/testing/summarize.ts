/** Backend messages as one readable line each, for golden files. */
import { type BackendMessage, dataRowValues, errorFieldsOfBody } from "./frontend-encoder.js";

function printable(b: Buffer): string {
  const s = b.toString("utf8");
  return /^[\x20-\x7e\u00a0-\uffff]*$/.test(s) && Buffer.from(s, "utf8").equals(b) ? JSON.stringify(s) : "\\x" + b.toString("hex");
}

function cstrings(body: Buffer): string[] {
  return body.toString("utf8").split("\0").slice(0, -1);
}

export function summarize(m: BackendMessage): string {
  const b = m.body;
  switch (m.type) {
    case "T": {
      const n = b.readInt16BE(0);
      const fields: string[] = [];
      let at = 2;
      for (let i = 0; i < n; i++) {
        const end = b.indexOf(0, at);
        const name = b.toString("utf8", at, end);
        at = end + 1;
        const typeOid = b.readUInt32BE(at + 6);
        const typeLength = b.readInt16BE(at + 10);
        const typmod = b.readInt32BE(at + 12);
        const format = b.readInt16BE(at + 16);
        at += 18;
        fields.push(`${name}:${typeOid}/${typeLength}/${typmod}/${format === 1 ? "bin" : "text"}`);
      }
      return `RowDescription ${fields.join(" ")}`;
    }
    case "D":
      return `DataRow ${dataRowValues(b)
        .map((v) => (v === null ? "NULL" : printable(v)))
        .join(" ")}`;
    case "C":
      return `CommandComplete ${cstrings(b)[0]}`;
    case "Z":
      return `ReadyForQuery ${String.fromCharCode(b[0]!)}`;
    case "E":
    case "N": {
      const f = errorFieldsOfBody(b);
      const extra = ["D", "H", "P"].filter((k) => f[k] !== undefined).map((k) => ` ${k}=${JSON.stringify(f[k])}`);
      return `${m.type === "E" ? "Error" : "Notice"} ${f.S} ${f.C} ${JSON.stringify(f.M)}${extra.join("")}`;
    }
    case "t": {
      const n = b.readInt16BE(0);
      return `ParameterDescription ${Array.from({ length: n }, (_, i) => b.readUInt32BE(2 + 4 * i)).join(" ")}`.trimEnd();
    }
    case "S":
      return `ParameterStatus ${cstrings(b).join("=")}`;
    case "G":
    case "H": {
      const n = b.readInt16BE(1);
      return `${m.type === "G" ? "CopyInResponse" : "CopyOutResponse"} ${b[0]} [${Array.from({ length: n }, (_, i) => b.readInt16BE(3 + 2 * i)).join(",")}]`;
    }
    case "d":
      return `CopyData ${printable(b)}`;
    case "v":
      return `NegotiateProtocolVersion ${b.readInt32BE(0)} ${cstrings(b.subarray(8)).join(",")}`.trimEnd();
    case "R":
      return `Authentication ${b.readInt32BE(0)}`;
    default: {
      const names: Record<string, string> = {
        "1": "ParseComplete",
        "2": "BindComplete",
        "3": "CloseComplete",
        n: "NoData",
        s: "PortalSuspended",
        I: "EmptyQueryResponse",
        c: "CopyDone",
        K: "BackendKeyData",
      };
      return names[m.type] ?? `'${m.type}' ${b.toString("hex")}`;
    }
  }
}
