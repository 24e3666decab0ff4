import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { silentLogger, type Logger } from '@portwarden/common/logger';
import type { ProbeResult } from '../probes/probe.js';

/** One probe's result as the agent keeps it until the controller acknowledges it. */
export interface ResultRecord extends ProbeResult {
  checkId: string;
  startedAtUnixMs: number;
}

/** A result with its per-agent sequence number: starts at 1, never reused, also across restarts. */
export interface SpooledResult extends ResultRecord {
  seq: number;
}

export interface SpoolOptions {
  /** The agent's state directory; the spool lives in `spool.jsonl` there. */
  dir: string;
  /** @default a silent logger */
  logger?: Logger;
  /** Rewrite the file once this many of its lines are acknowledged and they outnumber the rest. @default 1000 */
  compactAfter?: number;
}

export interface Spool {
  /** Numbers the result and resolves once it is on disk (fdatasync); only then may it be sent. */
  append(result: ResultRecord): Promise<SpooledResult>;
  /** Results on disk and not yet acknowledged, in seq order: those after `afterSeq`, at most `limit`. */
  pending(afterSeq?: number, limit?: number): SpooledResult[];
  /** Forgets every result up to and including `upToSeq`. */
  ack(upToSeq: number): void;
  /** The highest seq handed out so far; 0 for a new agent. */
  readonly lastSeq: number;
  close(): Promise<void>;
}

/**
 * The file is JSON lines: `{"seq":...}` for a result and `{"ack":N}` when results up to N were
 * acknowledged. Acks are not synced: losing one to a crash only resends results the controller
 * already has, and it ignores those (results are unique on agent and seq).
 */
export async function openSpool(options: SpoolOptions): Promise<Spool> {
  await mkdir(options.dir, { recursive: true });
  const file = path.join(options.dir, 'spool.jsonl');
  const logger = options.logger ?? silentLogger();
  const loaded = await load(file, logger);
  const spool = new FileSpool(file, loaded, options.compactAfter ?? 1000);
  // Rewriting at once drops a torn tail, so new lines never follow a partial one.
  await spool.compact();
  logger.info({ pending: loaded.records.length, lastSeq: loaded.lastSeq }, 'spool opened');
  return spool;
}

interface Loaded {
  records: SpooledResult[];
  acked: number;
  lastSeq: number;
}

async function load(file: string, logger: Logger): Promise<Loaded> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const bySeq = new Map<number, SpooledResult>();
  let acked = 0;
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line === '') return;
    const entry = parseLine(line);
    if (entry === undefined) {
      // A crash mid-write leaves the last line torn; anything else is damage worth a warning.
      if (index !== lines.length - 1)
        logger.warn({ file, line: index + 1 }, 'skipped an unreadable spool line');
    } else if ('ack' in entry) acked = Math.max(acked, entry.ack);
    else bySeq.set(entry.seq, entry);
  });
  const records = [...bySeq.values()].filter((r) => r.seq > acked).sort((a, b) => a.seq - b.seq);
  return { records, acked, lastSeq: Math.max(acked, records.at(-1)?.seq ?? 0) };
}

function parseLine(line: string): SpooledResult | { ack: number } | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return undefined;
    if ('ack' in value && Number.isSafeInteger(value.ack)) return value as { ack: number };
    if ('seq' in value && Number.isSafeInteger(value.seq)) return value as SpooledResult;
  } catch {
    // torn or damaged: the caller decides how loudly to skip it
  }
  return undefined;
}

interface QueuedLine {
  text: string;
  record?: SpooledResult;
  resolve?: (record: SpooledResult) => void;
  reject?: (err: Error) => void;
}

/** Writes go through one queue, so file order is seq order and one fdatasync covers a burst. */
class FileSpool implements Spool {
  private records: SpooledResult[];
  private acked: number;
  private seq: number;
  private handle: FileHandle | undefined;
  private queue: QueuedLine[] = [];
  private flushing: Promise<void> | undefined;
  /** Lines in the file that are acknowledged results or ack markers. */
  private deadLines = 0;
  private needsRewrite = false;
  private closed = false;

  constructor(
    private readonly file: string,
    loaded: Loaded,
    private readonly compactAfter: number,
  ) {
    this.records = loaded.records;
    this.acked = loaded.acked;
    this.seq = loaded.lastSeq;
  }

  get lastSeq(): number {
    return this.seq;
  }

  append(result: ResultRecord): Promise<SpooledResult> {
    if (this.closed) return Promise.reject(new Error('spool is closed'));
    const record: SpooledResult = { seq: ++this.seq, ...result };
    return new Promise((resolve, reject) => {
      this.queue.push({ text: `${JSON.stringify(record)}\n`, record, resolve, reject });
      this.kick();
    });
  }

  pending(afterSeq = 0, limit = Infinity): SpooledResult[] {
    const from = afterSeq <= this.acked ? 0 : firstAfter(this.records, afterSeq);
    return this.records.slice(from, from + limit);
  }

  ack(upToSeq: number): void {
    if (upToSeq <= this.acked || this.closed) return;
    this.acked = upToSeq;
    const cut = firstAfter(this.records, upToSeq);
    this.records = this.records.slice(cut);
    this.deadLines += cut + 1;
    this.queue.push({ text: `${JSON.stringify({ ack: upToSeq })}\n` });
    if (this.deadLines >= this.compactAfter && this.deadLines > this.records.length) this.needsRewrite = true;
    this.kick();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Rewrites the file with only what is unacknowledged: temp file, fsync, rename. */
  async compact(): Promise<void> {
    await this.handle?.close();
    const temp = `${this.file}.tmp`;
    const lines = [{ ack: this.acked }, ...this.records].map((entry) => `${JSON.stringify(entry)}\n`);
    const out = await open(temp, 'w');
    try {
      await out.writeFile(lines.join(''));
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(temp, this.file);
    await syncDirectory(path.dirname(this.file));
    this.handle = await open(this.file, 'a');
    this.deadLines = 1;
    this.needsRewrite = false;
  }

  private kick(): void {
    this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await this.write(batch);
      } catch (err) {
        // The file may now end in a partial line: rebuild it from memory before the next write.
        this.needsRewrite = true;
        for (const line of batch) line.reject?.(err as Error);
      }
    }
  }

  private async write(batch: QueuedLine[]): Promise<void> {
    const appended = batch.filter((line) => line.record);
    // A rewrite already records the latest ack, so the batch's ack lines can go.
    const rewrite = this.needsRewrite;
    if (rewrite) await this.compact();
    if (!this.handle) throw new Error('spool is closed');
    await this.handle.write((rewrite ? appended : batch).map((line) => line.text).join(''));
    if (appended.length > 0) await this.handle.datasync();
    for (const line of appended) {
      this.records.push(line.record!);
      line.resolve!(line.record!);
    }
  }
}

/** Index of the first record with seq above `seq` (records are sorted by seq). */
function firstAfter(records: SpooledResult[], seq: number): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (records[mid]!.seq <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Makes a rename durable on POSIX; Windows cannot open a directory and needs no such step. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
