/**
 * COPY's text and CSV formats as PostgreSQL reads and writes them (copyfromparse.c, copyto.c):
 * the options with their defaults and checks (ProcessCopyOptions), a streaming reader that
 * turns CopyData chunks into records of raw field strings (with the line number each starts
 * on, for error context), and the writer of one row.
 *
 * Text format: fields split by the delimiter (tab), backslash escapes (\b \f \n \r \t \v \\,
 * octal \NNN, hex \xHH, any other escaped character stands for itself), `\N` is NULL, `\.` on
 * a line of its own ends the data. CSV: fields split by the delimiter (comma), quoted with `"`
 * (doubled, or preceded by ESCAPE, inside quotes), quoted fields may span lines, an unquoted
 * empty field is NULL (the default NULL string) and a quoted one is an empty string.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { CopyOptions } from "../parser/index.js";

export interface ResolvedCopyOptions {
  readonly format: "text" | "csv" | "binary";
  readonly delimiter: string;
  readonly null: string;
  readonly header: boolean | "match";
  readonly quote: string;
  readonly escape: string;
  /** Column names whose values are always quoted (COPY TO, CSV); "*" for all. */
  readonly forceQuote: ReadonlySet<string> | "*";
  /** COPY FROM, CSV: the NULL string unquoted in these columns is an empty string, not NULL. */
  readonly forceNotNull: ReadonlySet<string>;
  /** COPY FROM, CSV: the NULL string quoted in these columns is NULL too. */
  readonly forceNull: ReadonlySet<string>;
}

const UNSAFE_TEXT_DELIMITERS = "\\.abcdefghijklmnopqrstuvwxyz0123456789";
const UTF8_NAMES = new Set(["utf8", "utf-8", "unicode"]);

function fail(message: string, sqlstate: string): SqlStateError {
  return new SqlStateError(message, sqlstate);
}

/** Defaults and PostgreSQL's checks of COPY options (ProcessCopyOptions), for `columns` of the table or query. */
export function resolveCopyOptions(o: CopyOptions, direction: "from" | "to", columns: readonly string[]): ResolvedCopyOptions {
  const format = o.format ?? "text";
  const csv = format === "csv";
  if (format === "binary") {
    if (o.delimiter !== undefined) throw fail("cannot specify DELIMITER in BINARY mode", "42601");
    if (o.null !== undefined) throw fail("cannot specify NULL in BINARY mode", "42601");
    if (o.header) throw fail("cannot specify HEADER in BINARY mode", "0A000");
  }
  const delimiter = o.delimiter ?? (csv ? "," : "\t");
  const nullString = o.null ?? (csv ? "" : "\\N");
  if (Buffer.byteLength(delimiter) !== 1) throw fail("COPY delimiter must be a single one-byte character", "0A000");
  if (delimiter === "\r" || delimiter === "\n") throw fail("COPY delimiter cannot be newline or carriage return", "22023");
  if (nullString.includes("\r") || nullString.includes("\n")) throw fail("COPY null representation cannot use newline or carriage return", "22023");
  if (!csv && UNSAFE_TEXT_DELIMITERS.includes(delimiter)) throw fail(`COPY delimiter cannot be "${delimiter}"`, "22023");
  if (!csv && o.quote !== undefined) throw fail("COPY quote available only in CSV mode", "0A000");
  const quote = o.quote ?? '"';
  if (csv && Buffer.byteLength(quote) !== 1) throw fail("COPY quote must be a single one-byte character", "0A000");
  if (csv && delimiter === quote) throw fail("COPY delimiter and quote must be different", "22023");
  if (!csv && o.escape !== undefined) throw fail("COPY escape available only in CSV mode", "0A000");
  const escape = o.escape ?? quote;
  if (csv && Buffer.byteLength(escape) !== 1) throw fail("COPY escape must be a single one-byte character", "0A000");
  if (!csv && o.forceQuote !== undefined) throw fail("COPY force quote available only in CSV mode", "0A000");
  if (o.forceQuote !== undefined && direction === "from") throw fail("COPY force quote only available using COPY TO", "0A000");
  if (!csv && o.forceNotNull !== undefined) throw fail("COPY force not null available only in CSV mode", "0A000");
  if (o.forceNotNull !== undefined && direction === "to") throw fail("COPY force not null only available using COPY FROM", "0A000");
  if (!csv && o.forceNull !== undefined) throw fail("COPY force null available only in CSV mode", "0A000");
  if (o.forceNull !== undefined && direction === "to") throw fail("COPY force null only available using COPY FROM", "0A000");
  if (format !== "binary" && nullString.includes(delimiter)) throw fail("COPY delimiter must not appear in the NULL specification", "0A000");
  if (csv && nullString.includes(quote)) throw fail("CSV quote character must not appear in the NULL specification", "0A000");
  if (o.header === "match" && direction === "to") throw fail('cannot use "match" with HEADER in COPY TO', "0A000");
  if (o.encoding !== undefined && !UTF8_NAMES.has(o.encoding.toLowerCase())) {
    throw fail(`COPY encoding "${o.encoding}" is not supported: Alopex reads and writes UTF8 only`, "0A000");
  }
  const named = (list: readonly { name: string }[] | undefined, option: string): Set<string> => {
    const out = new Set<string>();
    for (const { name } of list ?? []) {
      if (!columns.includes(name)) throw fail(`${option} column "${name}" not referenced by COPY`, "42P10");
      out.add(name);
    }
    return out;
  };
  return {
    format,
    delimiter,
    null: nullString,
    header: o.header ?? false,
    quote,
    escape,
    forceQuote: o.forceQuote === "*" ? "*" : named(o.forceQuote, "FORCE_QUOTE"),
    forceNotNull: named(o.forceNotNull, "FORCE_NOT_NULL"),
    forceNull: named(o.forceNull, "FORCE_NULL"),
  };
}

// ---- reading -------------------------------------------------------------------------------

/** One field as read: its text after unescaping, whether it matched the NULL string, whether it was quoted (CSV). */
export interface RawField {
  readonly text: string;
  readonly isNull: boolean;
  readonly quoted: boolean;
}

/** A record (a line, or in CSV several when a quoted field holds line breaks). */
export interface RawRecord {
  /** 1-based number of the line the record starts on. */
  readonly line: number;
  /** The record's text as PostgreSQL quotes it in error context (without the line break). */
  readonly text: string;
  readonly fields: readonly RawField[];
}

/** The most bytes one record may take; PostgreSQL's limit is its 1 GB allocation bound. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** An error in the data itself, raised with the record it was found in. */
export class CopyDataError extends SqlStateError {
  constructor(
    message: string,
    sqlstate: string,
    readonly line: number,
    readonly text: string | undefined,
    hint?: string,
  ) {
    super(message, sqlstate, hint === undefined ? undefined : { hint });
  }
}

/** A line break of the wrong kind in the data (PostgreSQL names the line only). */
function strayLineBreak(c: "\r" | "\n", csv: boolean, line: number): CopyDataError {
  const what = c === "\r" ? "carriage return" : "newline";
  if (csv) return new CopyDataError(`unquoted ${what} found in data`, "22P04", line, undefined, `Use quoted CSV field to represent ${what}.`);
  return new CopyDataError(`literal ${what} found in data`, "22P04", line, undefined, `Use "\\${c === "\r" ? "r" : "n"}" to represent ${what}.`);
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(bytes: Uint8Array, line: number): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new CopyDataError(`invalid byte sequence for encoding "UTF8": ${firstBadSequence(bytes)}`, "22021", line, undefined);
  }
}

/** The bytes PostgreSQL's message shows for the first invalid UTF-8 sequence (up to the ones it checked). */
function firstBadSequence(bytes: Uint8Array): string {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    const seq = bytes.subarray(i, i + Math.max(len, 1));
    let ok = len > 0 && seq.length === len;
    if (ok) {
      try {
        decoder.decode(seq);
      } catch {
        ok = false;
      }
    }
    if (!ok) return Array.from(bytes.subarray(i, i + Math.max(len, 1)), (x) => `0x${x.toString(16).padStart(2, "0")}`).join(" ");
    i += len;
  }
  return "0x00";
}

/**
 * Reads CopyData chunks (split anywhere) into records, yielded in batches: the records each
 * chunk completes. Holds only one chunk's records and the current partial record, so memory
 * stays bounded by the chunk and the longest record, not the input. Stops at the end-of-data
 * marker `\.` (anything after it is ignored, as PostgreSQL does) or at the end of the stream.
 */
export async function* readCopyRecords(chunks: AsyncIterable<Uint8Array>, o: ResolvedCopyOptions): AsyncGenerator<RawRecord[]> {
  const lines = new LineSplitter();
  const csv = o.format === "csv";
  let line = 0;
  let pending: { start: number; text: string } | undefined;
  let ended = false;
  let batch: RawRecord[] = [];
  const finishRecord = (text: string, startLine: number): void => {
    if (text === "\\.") {
      ended = true;
      return;
    }
    const fields = csv ? parseCsvRecord(text, o, startLine) : parseTextLine(text, o, startLine);
    batch.push({ line: startLine, text, fields });
  };
  const onLine = (raw: Uint8Array): void => {
    line++;
    const text = decodeUtf8(raw, line);
    if (!csv) return finishRecord(text, line);
    const joined = pending ? `${pending.text}${lines.lineEnd}${text}` : text;
    const start = pending?.start ?? line;
    if (Buffer.byteLength(joined) > MAX_RECORD_BYTES) throw new CopyDataError("COPY record is too long", "54000", start, undefined);
    if (hasOpenQuote(joined, o)) {
      pending = { start, text: joined };
      return;
    }
    pending = undefined;
    finishRecord(joined, start);
  };
  for await (const chunk of chunks) {
    for (const raw of lines.push(chunk)) {
      onLine(raw);
      if (ended) break;
    }
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
    if (ended) return;
    if (lines.bufferedBytes > MAX_RECORD_BYTES) throw new CopyDataError("COPY line is too long", "54000", line + 1, undefined);
  }
  const last = lines.end();
  if (last !== undefined) onLine(last);
  if (batch.length > 0) yield batch;
  if (ended) return;
  if (pending) throw new CopyDataError("unterminated CSV quoted field", "22P04", pending.start, `${pending.text}${lines.lineEnd}`);
}

/**
 * Splits bytes into lines at LF, CRLF or CR: the first line's ending decides, as in
 * PostgreSQL, and another bare CR in the data is an error there too (here: kept as data in
 * CSV quoted fields, reported in text format).
 */
class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private eol: "\n" | "\r\n" | "\r" | undefined;

  get bufferedBytes(): number {
    return this.size;
  }

  /** The line ending the data uses, once a line has ended. */
  get lineEnd(): string {
    return this.eol ?? "\n";
  }

  *push(chunk: Uint8Array): Generator<Uint8Array> {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.size > 0) {
      this.parts.push(buf);
      buf = Buffer.concat(this.parts);
      this.parts = [];
      this.size = 0;
    }
    let at = 0;
    for (;;) {
      const lf = buf.indexOf(0x0a, at);
      if (this.eol === undefined) {
        const cr = buf.indexOf(0x0d, at);
        if (cr >= 0 && (lf < 0 || cr < lf)) {
          // CR: is it CRLF? The LF may still be in the next chunk.
          if (cr + 1 >= buf.length) break;
          this.eol = buf[cr + 1] === 0x0a ? "\r\n" : "\r";
        } else if (lf >= 0) {
          this.eol = "\n";
        } else {
          break;
        }
      }
      if (this.eol === "\r") {
        const cr = buf.indexOf(0x0d, at);
        if (cr < 0) break;
        yield buf.subarray(at, cr);
        at = cr + 1;
        continue;
      }
      if (this.eol === "\r\n") {
        // Only CRLF ends a line; a lone LF stays in it (data, or an error the parser reports).
        let end = -1;
        for (let from = at; ; ) {
          const next = buf.indexOf(0x0a, from);
          if (next < 0) break;
          if (next > at && buf[next - 1] === 0x0d) {
            end = next;
            break;
          }
          from = next + 1;
        }
        if (end < 0) break;
        yield buf.subarray(at, end - 1);
        at = end + 1;
        continue;
      }
      if (lf < 0) break;
      yield buf.subarray(at, lf);
      at = lf + 1;
    }
    if (at < buf.length) {
      const rest = Buffer.from(buf.subarray(at));
      this.parts.push(rest);
      this.size = rest.length;
    }
  }

  /** The last line when the data does not end with a line break. */
  end(): Uint8Array | undefined {
    if (this.size === 0) return undefined;
    const rest = Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    return this.eol === "\r\n" && rest[rest.length - 1] === 0x0d ? rest.subarray(0, rest.length - 1) : rest;
  }
}

/** Whether a CSV record so far ends inside a quoted field. */
function hasOpenQuote(text: string, o: ResolvedCopyOptions): boolean {
  let inQuote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuote) {
      if (c === o.escape && o.escape !== o.quote && i + 1 < text.length && (text[i + 1] === o.quote || text[i + 1] === o.escape)) i++;
      else if (c === o.quote) {
        if (o.escape === o.quote && text[i + 1] === o.quote) i++;
        else inQuote = false;
      }
    } else if (c === o.quote) {
      inQuote = true;
    }
  }
  return inQuote;
}

function parseCsvRecord(text: string, o: ResolvedCopyOptions, line: number): RawField[] {
  const fields: RawField[] = [];
  let i = 0;
  for (;;) {
    let value = "";
    let quoted = false;
    while (i < text.length && text[i] !== o.delimiter) {
      const c = text[i]!;
      if (c === o.quote) {
        quoted = true;
        i++;
        for (;;) {
          if (i >= text.length) throw new CopyDataError("unterminated CSV quoted field", "22P04", line, text);
          const q = text[i]!;
          const next = text[i + 1];
          // Inside quotes ESCAPE makes the next quote or escape character literal; with the
          // default ESCAPE (the quote itself) that is a doubled quote.
          if (q === o.escape && (next === o.quote || (next === o.escape && o.escape !== o.quote))) {
            value += next;
            i += 2;
            continue;
          }
          i++;
          if (q === o.quote) break;
          value += q;
        }
        continue;
      }
      if (c === "\r" || c === "\n") throw strayLineBreak(c, true, line);
      value += c;
      i++;
    }
    // PostgreSQL compares the NULL string with the field as written, unquoted only.
    fields.push({ text: value, isNull: !quoted && value === o.null, quoted });
    if (i >= text.length) break;
    i++;
  }
  return fields;
}

const TEXT_ESCAPES: Readonly<Record<string, string>> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

function parseTextLine(text: string, o: ResolvedCopyOptions, line: number): RawField[] {
  if (text.includes("\r")) throw strayLineBreak("\r", false, line);
  if (text.includes("\n")) throw strayLineBreak("\n", false, line);
  if (!text.includes("\\")) {
    return text.split(o.delimiter).map((f) => ({ text: f, isNull: f === o.null, quoted: false }));
  }
  const fields: RawField[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    let value = "";
    while (i < text.length && text[i] !== o.delimiter) {
      const c = text[i]!;
      if (c !== "\\") {
        value += c;
        i++;
        continue;
      }
      i++;
      if (i >= text.length) break;
      const e = text[i]!;
      if (e >= "0" && e <= "7") {
        let n = 0;
        let k = 0;
        while (k < 3 && i < text.length && text[i]! >= "0" && text[i]! <= "7") {
          n = n * 8 + (text.charCodeAt(i) - 48);
          i++;
          k++;
        }
        value += byteChar(n & 0xff, line, text);
        continue;
      }
      if (e === "x" && i + 1 < text.length && /[0-9a-fA-F]/.test(text[i + 1]!)) {
        i++;
        let hex = text[i]!;
        i++;
        if (i < text.length && /[0-9a-fA-F]/.test(text[i]!)) {
          hex += text[i]!;
          i++;
        }
        value += byteChar(parseInt(hex, 16), line, text);
        continue;
      }
      value += TEXT_ESCAPES[e] ?? e;
      i++;
    }
    // The NULL string is matched before de-escaping, against the field as written.
    const raw = text.slice(start, i);
    fields.push({ text: value, isNull: raw === o.null, quoted: false });
    if (i >= text.length) break;
    i++;
  }
  return fields;
}

/** A byte from an escape: ASCII is the character; other bytes cannot stand alone in UTF-8. */
function byteChar(n: number, line: number, text: string): string {
  if (n === 0) throw new CopyDataError('invalid byte sequence for encoding "UTF8": 0x00', "22021", line, text);
  if (n < 0x80) return String.fromCharCode(n);
  throw new CopyDataError(`invalid byte sequence for encoding "UTF8": 0x${n.toString(16).padStart(2, "0")}`, "22021", line, text);
}

// ---- writing -------------------------------------------------------------------------------

const TEXT_OUT_ESCAPES: Readonly<Record<string, string>> = { "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\" };

/** A field in text format: backslash, the named control characters and the delimiter escaped. */
export function textField(value: string, o: ResolvedCopyOptions): string {
  let needs = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x5c || value[i] === o.delimiter) {
      needs = true;
      break;
    }
  }
  if (!needs) return value;
  let out = "";
  for (const c of value) {
    const e = TEXT_OUT_ESCAPES[c];
    if (e !== undefined) out += e;
    else if (c === o.delimiter) out += `\\${c}`;
    else out += c;
  }
  return out;
}

/**
 * A field in CSV: quoted when forced, when it equals the NULL string, when it holds the
 * delimiter, the quote, CR or LF, or (for a single column) when it is `\.`.
 */
export function csvField(value: string, o: ResolvedCopyOptions, force: boolean, singleColumn: boolean): string {
  let quote = force || value === o.null || (singleColumn && value === "\\.");
  if (!quote) {
    for (let i = 0; i < value.length; i++) {
      const c = value[i];
      if (c === o.delimiter || c === o.quote || c === "\n" || c === "\r") {
        quote = true;
        break;
      }
    }
  }
  if (!quote) return value;
  let out = o.quote;
  for (const c of value) {
    if (c === o.quote || c === o.escape) out += o.escape;
    out += c;
  }
  return out + o.quote;
}

/** One line of output (with its line break) from the fields' text (null: NULL). */
export function formatCopyLine(values: readonly (string | null)[], names: readonly string[], o: ResolvedCopyOptions): string {
  const csv = o.format === "csv";
  const parts = values.map((v, i) => {
    if (v === null) return o.null;
    if (!csv) return textField(v, o);
    return csvField(v, o, o.forceQuote === "*" || o.forceQuote.has(names[i]!), values.length === 1);
  });
  return `${parts.join(o.delimiter)}\n`;
}

/** The header line: the column names as fields. */
export function formatHeaderLine(names: readonly string[], o: ResolvedCopyOptions): string {
  const csv = o.format === "csv";
  return `${names.map((n) => (csv ? csvField(n, o, false, names.length === 1) : textField(n, o))).join(o.delimiter)}\n`;
}

/** Error context PostgreSQL gives a record: at most 100 bytes of it, then "...". */
export function recordForContext(text: string): string {
  const MAX_COPY_DATA_DISPLAY = 100;
  if (Buffer.byteLength(text) <= MAX_COPY_DATA_DISPLAY) return text;
  let out = "";
  let bytes = 0;
  for (const c of text) {
    const n = Buffer.byteLength(c);
    if (bytes + n > MAX_COPY_DATA_DISPLAY) break;
    out += c;
    bytes += n;
  }
  return `${out}...`;
}
