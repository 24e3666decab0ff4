import { parseLabel } from '@portwarden/common/labels';
import { PortwardenError } from '@portwarden/common/errors';
import type { ApiClient } from '../client.js';

/** What `POST /api/v1/tokens` answers. */
export interface CreatedToken {
  token: string;
  id: string;
  labels: Record<string, string>;
  expiresAt: string;
  caFingerprint: string;
}

export interface TokenOptions {
  /** `key=value`, repeatable. */
  label: string[];
  /** @default '1h' */
  ttl: string;
  output: 'table' | 'json';
}

/**
 * `portwarden token create --label role=web --ttl 1h`: a single-use enrollment token. The token
 * alone goes to stdout (so `TOKEN=$(portwarden token create ...)` works), what it is to stderr.
 */
export async function createToken(
  client: ApiClient,
  options: TokenOptions,
  out: (text: string) => void,
  note: (text: string) => void,
): Promise<void> {
  const labels: Record<string, string> = {};
  for (const text of options.label) {
    try {
      const [key, value] = parseLabel(text);
      labels[key] = value;
    } catch (err) {
      throw new PortwardenError(
        'usage',
        (err as Error).message,
        'write --label key=value, for example --label role=web',
      );
    }
  }
  const created = await client.post<CreatedToken>('/api/v1/tokens', { labels, ttl: options.ttl });
  if (options.output === 'json') return out(`${JSON.stringify(created, null, 2)}\n`);
  out(`${created.token}\n`);
  const shown =
    Object.entries(created.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || 'no labels';
  note(
    `token ${created.id}: single use, ${shown}, expires ${created.expiresAt}, pins CA ${created.caFingerprint}\n` +
      `enroll an agent with: portwarden-agent --controller HOST:7443 --name NAME --enroll-token TOKEN\n`,
  );
}
