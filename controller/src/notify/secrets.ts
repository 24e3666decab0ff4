import { replaceSecretReferences, secretReferences } from '@portwarden/common/policy/secrets';
import type { ChannelDocument } from '@portwarden/common/policy/schema';
import { ChannelConfigError } from './retry.js';

/** Opens a secret by name at the moment of sending; store/secrets.ts. */
export interface SecretResolver {
  /** The value, or undefined when there is no such secret (any more). */
  open(name: string): Promise<string | undefined>;
}

/**
 * The channel with each `${secret:NAME}` replaced by its value, in memory only. A secret gone
 * since the policy was applied fails the delivery for good: retrying cannot bring it back.
 */
export async function resolveChannelSecrets(
  channel: ChannelDocument,
  secrets: SecretResolver,
): Promise<ChannelDocument> {
  if (!('webhook' in channel)) return channel;
  const { url, headers } = channel.webhook;
  const texts = [url, ...Object.values(headers ?? {})];
  const values = new Map<string, string>();
  for (const name of new Set(texts.flatMap(secretReferences))) {
    const value = await openOrFail(secrets, name);
    values.set(name, value);
  }
  if (values.size === 0) return channel;
  const resolve = (text: string) => replaceSecretReferences(text, (name) => values.get(name)!);
  return {
    webhook: {
      ...channel.webhook,
      url: resolve(url),
      ...(headers && {
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, resolve(v)])),
      }),
    },
  };
}

async function openOrFail(secrets: SecretResolver, name: string): Promise<string> {
  let value: string | undefined;
  try {
    value = await secrets.open(name);
  } catch (err) {
    throw new ChannelConfigError(`secret "${name}" cannot be opened: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (value === undefined)
    throw new ChannelConfigError(
      `the channel refers to secret "${name}", which no longer exists; set it with \`portwarden secret set ${name}\``,
    );
  return value;
}
