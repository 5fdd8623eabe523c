/**
 * Runs: sequences of records (value-codec.ts) in a spill file, written once front to back
 * through a bounded buffer and then read back, sequentially, any number of times. Several runs
 * may share one file, one after another (a sort's runs do, so it holds two files however many
 * runs it makes).
 */
import { SqlStateError } from "../../../common/sqlstate-error.js";
import type { SqlValue } from "../../types/index.js";
import type { SpillFile, SpillFileSystem } from "./spill-files.js";
import { RECORD_HEADER_BYTES, RecordDecoder, RecordEncoder } from "./value-codec.js";

/** A finished run: file bytes [offset, offset + sizeBytes). The file's owner closes it. */
export interface Run {
  readonly file: SpillFile;
  readonly offset: number;
  readonly sizeBytes: number;
  readonly records: number;
}

/** Appends records to a run, writing whenever bufferBytes have gathered. */
export class RunWriter {
  private readonly enc: RecordEncoder;
  private position: number;
  private count = 0;

  /** NB: nothing else may write to `file` past `offset` until this run is finished. */
  constructor(
    readonly file: SpillFile,
    private readonly offset: number,
    private readonly bufferBytes: number,
  ) {
    this.enc = new RecordEncoder(bufferBytes);
    this.position = offset;
  }

  /** A run at the start of a new spill file. */
  static async create(files: SpillFileSystem, bufferBytes: number): Promise<RunWriter> {
    return new RunWriter(await files.create(), 0, bufferBytes);
  }

  get records(): number {
    return this.count;
  }

  /** Bytes written or buffered so far. */
  get sizeBytes(): number {
    return this.position - this.offset + this.enc.len;
  }

  async append(values: readonly SqlValue[]): Promise<void> {
    this.enc.append(values);
    this.count++;
    if (this.enc.len >= this.bufferBytes) await this.flush();
  }

  /** Flushes the buffer; the writer must not be used afterwards. */
  async finish(): Promise<Run> {
    await this.flush();
    return { file: this.file, offset: this.offset, sizeBytes: this.position - this.offset, records: this.count };
  }

  /** Closes the file without finishing it (on errors). */
  discard(): Promise<void> {
    return this.file.close();
  }

  private async flush(): Promise<void> {
    if (this.enc.len === 0) return;
    await this.file.write(this.enc.buf.subarray(0, this.enc.len), this.position);
    this.position += this.enc.len;
    this.enc.reset(this.bufferBytes);
  }
}

/**
 * Reads a run front to back, one block of bufferBytes at a time, decoding the records that the
 * block completes. A record longer than the buffer grows it for as long as that record needs.
 */
export class RunReader {
  private buf: Buffer;
  /** Unconsumed bytes are buf[start, end). */
  private start = 0;
  private end = 0;
  /** Bytes of the run read so far. */
  private filePos = 0;
  private readonly decoder = new RecordDecoder();

  constructor(
    private readonly run: Run,
    private readonly bufferBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(64, bufferBytes));
  }

  /** The next records (at least one), or null at the end of the run. */
  async next(): Promise<SqlValue[][] | null> {
    for (;;) {
      const out = this.decodeComplete();
      if (out.length > 0) return out;
      if (this.filePos >= this.run.sizeBytes) {
        if (this.end > this.start) throw new SqlStateError(`internal error: spill run ends inside a record (${this.end - this.start} bytes left)`, "XX000");
        return null;
      }
      await this.fill();
    }
  }

  private decodeComplete(): SqlValue[][] {
    const out: SqlValue[][] = [];
    while (this.end - this.start >= RECORD_HEADER_BYTES) {
      const payload = this.buf.readUInt32LE(this.start);
      const recordEnd = this.start + RECORD_HEADER_BYTES + payload;
      if (recordEnd > this.end) break;
      out.push(this.decoder.decode(this.buf, this.start + RECORD_HEADER_BYTES, recordEnd));
      this.start = recordEnd;
    }
    return out;
  }

  private async fill(): Promise<void> {
    const left = this.end - this.start;
    let need = this.bufferBytes;
    if (left >= RECORD_HEADER_BYTES) need = Math.max(need, RECORD_HEADER_BYTES + this.buf.readUInt32LE(this.start));
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(need);
      this.buf.copy(grown, 0, this.start, this.end);
      this.buf = grown;
    } else {
      if (this.buf.length > 2 * this.bufferBytes && need <= this.bufferBytes) {
        // The long record is consumed: give its buffer back.
        const small = Buffer.allocUnsafe(Math.max(64, this.bufferBytes));
        this.buf.copy(small, 0, this.start, this.end);
        this.buf = small;
      } else {
        this.buf.copy(this.buf, 0, this.start, this.end);
      }
    }
    this.start = 0;
    this.end = left;
    const want = Math.min(this.buf.length - this.end, this.run.sizeBytes - this.filePos);
    const n = await this.run.file.read(this.buf.subarray(this.end, this.end + want), this.run.offset + this.filePos);
    if (n <= 0) throw new SqlStateError(`internal error: spill run is shorter than written (${this.filePos} of ${this.run.sizeBytes} bytes)`, "XX000");
    this.filePos += n;
    this.end += n;
  }
}

/** One record at a time over a RunReader (what merges and partition passes walk). */
export class RunCursor {
  private batch: SqlValue[][] = [];
  private at = 0;
  /** The current record; undefined before the first advance and at the end. */
  current: SqlValue[] | undefined;

  constructor(private readonly reader: RunReader) {}

  /** Moves to the next record; false at the end. */
  async advance(): Promise<boolean> {
    if (this.at >= this.batch.length) {
      const b = await this.reader.next();
      if (!b) {
        this.batch = [];
        this.at = 0;
        this.current = undefined;
        return false;
      }
      this.batch = b;
      this.at = 0;
    }
    this.current = this.batch[this.at++];
    return true;
  }
}
