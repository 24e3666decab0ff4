import type { PolicyIssue } from '../errors.js';
import { formatPath, type LineOf, type Path } from './path.js';
import type { ResolvedPolicy } from './resolved.js';

/** A secret's name, in `${secret:NAME}` and in `portwarden secret set NAME`. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** `${secret:NAME}` in a channel's text field; what the name may be is checked apart. */
const REFERENCE = /\$\{secret:([^}]*)\}/g;

/** What replaces a literal credential in what non-admins see. */
export const REDACTED = '[redacted]';

/** One text field of one channel, where it is in the document. */
export interface ChannelText {
  path: Path;
  /** The header's name, for a header value. */
  header?: string;
  /** True for a URL that may carry a password or a token in its query. */
  url?: boolean;
  /** True for a field that is a credential as a whole (a password, a routing key, a token URL). */
  secret?: boolean;
  value: string;
}

/** How a channel field is judged for literal credentials: see isLiteralCredential. */
type FieldRule = 'url' | 'header' | 'secret';

/**
 * Per channel kind, which of its text fields may hold credentials, by path inside the kind's
 * object (`*` is any key). A new channel kind adds its line here; a field not listed is plain text.
 */
export const CREDENTIAL_FIELDS: Readonly<Record<string, Readonly<Record<string, FieldRule>>>> = {
  webhook: { url: 'url', 'headers.*': 'header', signingSecret: 'secret' },
  pagerduty: { routingKey: 'secret', url: 'url' },
  alertmanager: { url: 'url' },
  slack: { url: 'secret' },
  teams: { url: 'secret' },
  email: { 'smtp.password': 'secret' },
};

/** Every text field of every channel of every alert group, in document order. */
export function channelTexts(policy: Pick<ResolvedPolicy, 'alertGroups'>): ChannelText[] {
  const out: ChannelText[] = [];
  for (const [id, group] of Object.entries(policy.alertGroups)) {
    group.channels.forEach((channel, index) => {
      for (const [kind, config] of Object.entries(channel)) {
        const rules = CREDENTIAL_FIELDS[kind] ?? {};
        for (const [inner, value] of textFields(config)) {
          const rule = rules[inner.join('.')] ?? rules[[...inner.slice(0, -1), '*'].join('.')];
          out.push({
            path: ['alertGroups', id, 'channels', index, kind, ...inner],
            value,
            ...(rule === 'url' && { url: true }),
            ...(rule === 'secret' && { secret: true }),
            ...(rule === 'header' && { header: String(inner.at(-1)) }),
          });
        }
      }
    });
  }
  return out;
}

/** Each string in a channel's config with its path, at any depth. */
function textFields(value: unknown, at: (string | number)[] = []): [(string | number)[], string][] {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((item, i) => textFields(item, [...at, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => textFields(item, [...at, key]));
  return [];
}

/** The secret names a text refers to, in order, repeats kept. */
export function secretReferences(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((match) => match[1]!);
}

/** The text with each `${secret:NAME}` replaced by `value(NAME)`. */
export function replaceSecretReferences(text: string, value: (name: string) => string): string {
  return text.replace(REFERENCE, (_all, name: string) => value(name));
}

const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|x-api-key)$|token|secret|password|passwd|api[-_]?key/i;
const CREDENTIAL_QUERY = /token|secret|password|passwd|api[-_]?key|^key$|^sig(nature)?$|^auth/i;

/**
 * Whether a channel's text is a literal credential: a credential field not made of `${secret:…}`
 * references alone, a credential-looking header whose value is not made of references, or a URL
 * with a password or a token-ish query parameter.
 */
export function isLiteralCredential(
  field: Pick<ChannelText, 'header' | 'url' | 'secret' | 'value'>,
): boolean {
  if (field.secret) return field.value.replace(REFERENCE, '').trim() !== '';
  if (field.header !== undefined)
    return CREDENTIAL_HEADER.test(field.header) && !literalIsOnlyScheme(field.value);
  if (!field.url) return false;
  let url: URL;
  try {
    url = new URL(field.value.replace(REFERENCE, 'x'));
  } catch {
    return false;
  }
  const literal = (part: string) => part !== '' && part !== 'x';
  if (literal(url.password)) return true;
  return [...url.searchParams].some(([key, value]) => CREDENTIAL_QUERY.test(key) && literal(value));
}

/** "Bearer ${secret:x}" holds no literal credential; "Bearer abc" does. */
function literalIsOnlyScheme(value: string): boolean {
  const rest = value.replace(REFERENCE, '').trim();
  return secretReferences(value).length > 0 && /^(bearer|basic|token|apikey)?$/i.test(rest);
}

/**
 * Unknown secret names are errors (when `knownSecrets` is given); literal credentials are warnings.
 * Each with its path and line.
 */
export function checkChannelSecrets(
  policy: Pick<ResolvedPolicy, 'alertGroups'>,
  knownSecrets: ReadonlySet<string> | undefined,
  lineOf: LineOf,
): { issues: PolicyIssue[]; warnings: PolicyIssue[] } {
  const issues: PolicyIssue[] = [];
  const warnings: PolicyIssue[] = [];
  const at = (path: Path, message: string): PolicyIssue => {
    const line = lineOf(path);
    return { path: formatPath(path), ...(line !== undefined && { line }), message };
  };
  for (const field of channelTexts(policy)) {
    for (const name of secretReferences(field.value))
      if (knownSecrets && !knownSecrets.has(name))
        issues.push(
          at(field.path, `no secret is named "${name}"; create it with \`portwarden secret set ${name}\``),
        );
    if (isLiteralCredential(field))
      warnings.push(
        at(field.path, 'looks like a literal credential; use ${secret:NAME} (portwarden secret set NAME)'),
      );
  }
  return { issues, warnings };
}

/** The literal credentials of a policy's channels, for redacting them from text. */
export function literalCredentials(policy: Pick<ResolvedPolicy, 'alertGroups'>): string[] {
  return channelTexts(policy)
    .filter(isLiteralCredential)
    .map((field) => field.value);
}

/** The policy with each literal credential of its channels replaced by REDACTED. */
export function redactPolicy<T extends Pick<ResolvedPolicy, 'alertGroups'>>(policy: T): T {
  const literal = new Set(
    channelTexts(policy)
      .filter(isLiteralCredential)
      .map((field) => formatPath(field.path)),
  );
  const alertGroups = Object.fromEntries(
    Object.entries(policy.alertGroups).map(([id, group]) => [
      id,
      {
        ...group,
        channels: group.channels.map((channel, index) =>
          redactAt(channel, ['alertGroups', id, 'channels', index], literal),
        ),
      },
    ]),
  );
  return { ...policy, alertGroups };
}

/** A copy of `value` with the strings at the paths in `literal` replaced by REDACTED. */
function redactAt<V>(value: V, at: Path, literal: ReadonlySet<string>): V {
  if (typeof value === 'string') return (literal.has(formatPath(at)) ? REDACTED : value) as V;
  if (Array.isArray(value)) return value.map((item: unknown, i) => redactAt(item, [...at, i], literal)) as V;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, redactAt(item, [...at, key], literal)]),
    ) as V;
  return value;
}

/** The policy's source text with each literal credential replaced by REDACTED. */
export function redactSource(source: string, policy: Pick<ResolvedPolicy, 'alertGroups'>): string {
  let out = source;
  for (const value of literalCredentials(policy).toSorted((a, b) => b.length - a.length))
    out = out.split(value).join(REDACTED);
  return out;
}
