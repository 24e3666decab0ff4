import { open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ResponseOutcome } from './outcome.js';

/** `<state dir>/audit.jsonl`: one JSON line per response event, fsync'ed; rotated to `audit.jsonl.1`. */
export const AUDIT_FILE = 'audit.jsonl';

declare const audited: unique symbol;

/**
 * The check as an audit line names it: its id and name, nothing else. Only `auditedCheck` makes
 * one, so a whole check (its spec's send bytes, its responses' arguments) cannot be handed to the
 * audit log where a reference to it is expected.
 */
export type AuditedCheck = { readonly id: string; readonly name: string; readonly [audited]: true };

export function auditedCheck(check: { id: string; name: string }): AuditedCheck {
  return { id: check.id, name: check.name } as AuditedCheck;
}

export interface AuditRecord {
  /** ISO time the line was written. */
  at: string;
  /** `started` before a response runs anything; `finished` with its outcome (the only one for a denied response). */
  event: 'started' | 'finished';
  check: AuditedCheck;
  response: Pick<ResponseOutcome, 'kind' | 'target'> & Partial<ResponseOutcome>;
}

/** Where the executor writes; tests can pass an array-backed one. */
export interface AuditSink {
  append(record: AuditRecord): Promise<void>;
}

export interface AuditLogOptions {
  dir: string;
  /** The file is rotated when it grows past this. @default 10 MiB */
  maxBytes?: number;
}

/** The audit log on disk. Appends are serialized; each line is on disk when `append` resolves. */
export function openAuditLog(options: AuditLogOptions): AuditSink & { file: string } {
  const file = path.join(options.dir, AUDIT_FILE);
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    file,
    append(record) {
      const next = queue.then(async () => {
        await rotate(file, maxBytes);
        const handle = await open(file, 'a', 0o600);
        try {
          await handle.appendFile(`${JSON.stringify(record)}\n`);
          await handle.datasync();
        } finally {
          await handle.close();
        }
      });
      queue = next.catch(() => {});
      return next;
    },
  };
}

async function rotate(file: string, maxBytes: number): Promise<void> {
  const size = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  if (size >= maxBytes) await rename(file, `${file}.1`);
}
