import { readFile } from 'node:fs/promises';
import { parsePolicy } from '@portwarden/common/policy/parse';
import type { ApiClient } from '../client.js';

export interface ApplyOptions {
  file: string;
  dryRun?: boolean;
}

/** Validates locally first (same parser as the controller), then stores a new revision. */
export async function apply(
  client: ApiClient,
  options: ApplyOptions,
  out: (line: string) => void,
): Promise<void> {
  const source = options.file === '-' ? await readStdin() : await readFile(options.file, 'utf8');
  const policy = parsePolicy(source);
  if (options.dryRun) {
    out(
      `policy valid: ${policy.checks.length} checks, ${Object.keys(policy.alertGroups).length} alert groups (not applied)`,
    );
    return;
  }
  const saved = await client.put<{ revision: number; checks: number }>(
    '/api/v1/policy',
    source,
    'application/yaml',
  );
  out(`policy applied: revision ${saved.revision}, ${saved.checks} checks`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
