import { replaceSecretReferences, secretReferences } from '@portwarden/common/policy/secrets';
import type { ChannelDocument } from '@portwarden/common/policy/schema';
import { ChannelConfigError } from './retry.js';

/** Opens a secret by name at the moment of sending; secrets/secrets.ts. */
export interface SecretResolver {
  /** The value, or undefined when there is no such secret (any more). */
  open(name: string): Promise<string | undefined>;
}

/**
 * The channel with each `${secret:NAME}` replaced by its value, in memory only: in any string of
 * any channel kind (URLs, headers, passwords, routing keys). A secret gone since the policy was
 * applied fails the delivery for good: retrying cannot bring it back.
 */
export async function resolveChannelSecrets(
  channel: ChannelDocument,
  secrets: SecretResolver,
): Promise<ChannelDocument> {
  const names = new Set(strings(channel).flatMap(secretReferences));
  if (names.size === 0) return channel;
  const values = new Map<string, string>();
  for (const name of names) values.set(name, await openOrFail(secrets, name));
  return replaceStrings(channel, (text) => replaceSecretReferences(text, (name) => values.get(name)!));
}

/** Every string value in a channel document, at any depth (keys are not values). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

function replaceStrings<T>(value: T, replace: (text: string) => string): T {
  if (typeof value === 'string') return replace(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => replaceStrings(item, replace)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, replaceStrings(item, replace)]),
    ) as T;
  return value;
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
