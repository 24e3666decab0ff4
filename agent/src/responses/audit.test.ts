import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_FILE, auditedCheck, openAuditLog, type AuditRecord } from './audit.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pw-audit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (n: number): AuditRecord => ({
  at: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
  event: 'finished',
  check: auditedCheck({ id: 'c', name: 'c' }),
  response: { kind: 'reboot', target: 'host', status: 'suppressed', detail: `#${n}` },
});

describe('the audit log', () => {
  it('appends one JSON line per record, in order, even when appends overlap', async () => {
    const log = openAuditLog({ dir });
    await Promise.all([1, 2, 3, 4, 5].map((n) => log.append(record(n))));
    const lines = (await readFile(path.join(dir, AUDIT_FILE), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as AuditRecord).response.detail)).toEqual([
      '#1',
      '#2',
      '#3',
      '#4',
      '#5',
    ]);
  });

  it('rotates to audit.jsonl.1 once the file reaches maxBytes', async () => {
    const log = openAuditLog({ dir, maxBytes: 300 });
    for (let n = 1; n <= 3; n++) await log.append(record(n));
    const rotated = await readFile(path.join(dir, `${AUDIT_FILE}.1`), 'utf8');
    const current = await readFile(path.join(dir, AUDIT_FILE), 'utf8');
    expect(rotated.trim().split('\n')).toHaveLength(2);
    expect(JSON.parse(current).response.detail).toBe('#3');
  });
});
