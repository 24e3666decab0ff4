import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ConfigError, formatPolicyIssue, type PolicyIssue } from '@portwarden/common/errors';
import { parsePolicy } from '@portwarden/common/policy/parse';
import { MAX_POLICY_BYTES } from '@portwarden/common/policy/yaml';
import type { ApiClient } from '../client.js';

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

/** Validates locally first (same parser as the controller), then stores a new revision. */
export async function apply(
  client: ApiClient,
  options: ApplyOptions,
  out: (line: string) => void,
): Promise<void> {
  const source = await readPolicy(options.file);
  const policy = parsePolicy(source);
  if (options.dryRun) {
    out(
      `policy valid: ${policy.checks.length} checks, ${Object.keys(policy.alertGroups).length} alert groups (not applied)`,
    );
    return;
  }
  const saved = await client.put<Applied>('/api/v1/policy', source, 'application/yaml');
  out(
    saved.unchanged
      ? `policy unchanged: revision ${saved.revision} stays in force, ${saved.checks} checks`
      : `policy applied: revision ${saved.revision}, ${saved.checks} checks`,
  );
  for (const warning of saved.warnings ?? []) out(`warning:${formatPolicyIssue(warning).slice(1)}`);
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
