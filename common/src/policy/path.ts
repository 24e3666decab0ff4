/** Where something is in the policy document: keys and list indices from the root. */
export type Path = (string | number)[];

/** The 1-based line of a path in the YAML text, when the text has one. */
export type LineOf = (path: Path) => number | undefined;

/** ['checks', 2, 'port'] -> 'checks[2].port' */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? '(root)' : out;
}
