import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ConfigError, formatPolicyIssue, type PolicyIssue } from '@portwarden/common/errors';
import { parsePolicy } from '@portwarden/common/policy/parse';
import { MAX_POLICY_BYTES } from '@portwarden/common/policy/yaml';
import type { FirstPage } from '@portwarden/common/policy/first-page';
import type { ApiClient } from '../client.js';
import { renderTable } from '../table.js';

export interface ApplyOptions {
  file: string;
  dryRun?: boolean;
}

/** The controller's answer to PUT /api/v1/policy. */
interface Applied {
  revision: number;
  checks: number;
  /** The policy in force was identical: no new revision. */
  unchanged?: boolean;
  /** Literal credentials in channels: accepted, but better as ${secret:NAME}. */
  warnings?: PolicyIssue[];
}

/** `apply FILE` or `apply -f FILE`: exactly one of them. */
export function policyFile(argument: string | undefined, flag: string | undefined): string {
  if (argument !== undefined && flag !== undefined && argument !== flag)
    throw new ConfigError('two policy files given', 'name the file once: apply FILE or apply -f FILE');
  const file = argument ?? flag;
  if (file === undefined) throw new ConfigError('no policy file given', 'apply FILE, or - for stdin');
  return file;
}

/** Validates locally first (same parser as the controller), then stores a new revision. */
export async function apply(
  client: ApiClient,
  options: ApplyOptions,
  out: (line: string) => void,
): Promise<void> {
  const source = await readPolicy(options.file);
  parsePolicy(source); // every error with its line, before anything is sent
  if (options.dryRun) return dryRun(client, source, out);
  const saved = await client.put<Applied>('/api/v1/policy', source, 'application/yaml');
  out(
    saved.unchanged
      ? `policy unchanged: revision ${saved.revision} stays in force, ${saved.checks} checks`
      : `policy applied: revision ${saved.revision}, ${saved.checks} checks`,
  );
  for (const warning of saved.warnings ?? []) out(`warning:${formatPolicyIssue(warning).slice(1)}`);
}

/** The controller's answer to POST /api/v1/policy/validate. */
interface Validated {
  checks: number;
  alertGroups: number;
  warnings?: PolicyIssue[];
  firstPage: FirstPage[];
}

/** The controller checks the policy as apply would and stores nothing; each check's time to first page. */
async function dryRun(client: ApiClient, source: string, out: (line: string) => void): Promise<void> {
  const checked = await client.postText<Validated>('/api/v1/policy/validate', source, 'application/yaml');
  out(`policy valid: ${checked.checks} checks, ${checked.alertGroups} alert groups (not applied)`);
  for (const warning of checked.warnings ?? []) out(`warning:${formatPolicyIssue(warning).slice(1)}`);
  if (checked.firstPage.length === 0) return;
  out('');
  out(renderTable(FIRST_PAGE_HEADERS, checked.firstPage.map(firstPageRow)).trimEnd());
}

const FIRST_PAGE_HEADERS = [
  'check',
  'name',
  'alert group',
  'interval',
  'failures',
  'timeout',
  'groupWait',
  'time to first page',
];

function firstPageRow(row: FirstPage): (string | number)[] {
  return [
    row.checkId,
    row.name,
    row.alertGroup,
    exactDuration(row.intervalMs),
    row.failuresBeforeAlert,
    exactDuration(row.timeoutMs),
    row.groupWaitMs > 0 ? exactDuration(row.groupWaitMs) : '-',
    `${exactDuration(row.firstPageMs)}${row.enabled ? '' : ' (disabled)'}`,
  ];
}

/** `3m50s`, `1h`, `500ms`: exact, unlike `ms`, which rounds 230000 to `4m`. */
export function exactDuration(millis: number): string {
  const units: [string, number][] = [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = millis;
  let text = '';
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) text += `${count}${unit}`;
  }
  return text || '0s';
}

/** The file, or stdin for `-`; one byte past the limit is enough for parsePolicy to refuse it. */
async function readPolicy(file: string): Promise<string> {
  const input: Readable = file === '-' ? process.stdin : createReadStream(file, { end: MAX_POLICY_BYTES });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of input) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size > MAX_POLICY_BYTES) break;
    }
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`, 'check the path given to -f', {
      cause: err,
    });
  }
  return Buffer.concat(chunks).toString('utf8');
}
