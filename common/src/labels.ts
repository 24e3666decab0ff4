export type Labels = Record<string, string>;

/** A selector matches when every key it names has the same value on the agent; `{}` matches all. */
export function matchesSelector(selector: Labels | undefined, labels: Labels): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

export const LABEL_KEY_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_.-]{0,62}$/;

/** `role=web` -> ['role', 'web'] */
export function parseLabel(text: string): [string, string] {
  const at = text.indexOf('=');
  const key = at > 0 ? text.slice(0, at) : '';
  if (!LABEL_KEY_PATTERN.test(key)) {
    throw new Error(`invalid label "${text}": write key=value, the key made of letters, digits, _ . -`);
  }
  return [key, text.slice(at + 1)];
}
