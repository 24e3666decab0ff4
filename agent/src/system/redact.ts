/**
 * Secrets never reach a log line or the audit log: arguments and captured output pass through
 * here first. Three rules: the strings a command declares secret, anything after a flag or key
 * whose name says secret (`--password x`, `--token=x`, `API_KEY=x`, `password: x`), and the
 * password in a URL (`https://user:x@host`).
 */

export const REDACTED = '[redacted]';

const SECRET_NAME = String.raw`(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|client[-_]?secret|auth(?:orization)?|credentials?|bearer)`;
/** `--password`, `-token`, `/password` (Windows style) as a whole argument: the next one is the secret. */
const SECRET_FLAG = new RegExp(String.raw`^(?:--?|/)[\w-]*${SECRET_NAME}$`, 'i');
/** `--password=x`, `-token:x`, `DB_PASSWORD=x`, `password: x` inside one argument or a line. */
const SECRET_ASSIGNMENT = new RegExp(
  String.raw`([\w-]*${SECRET_NAME}[\w-]*\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)`,
  'gi',
);
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi;
const BEARER = /\b(bearer\s+)[\w.~+/=-]+/gi;

/** Masks the declared secrets and anything that looks like one in a text. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join(REDACTED);
  return out
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(BEARER, `$1${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, `$1${REDACTED}`);
}

/** Masks secrets in an argument vector; the value after a secret-named flag is masked whole. */
export function redactArgs(args: readonly string[], secrets: readonly string[] = []): string[] {
  return args.map((arg, i) => {
    const previous = args[i - 1];
    if (previous !== undefined && SECRET_FLAG.test(previous)) return REDACTED;
    return redactText(arg, secrets);
  });
}
