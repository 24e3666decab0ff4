import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { PolicyError, type PolicyIssue } from '../errors.js';
import { policySchema, type PolicyDocument } from './schema.js';
import { resolvePolicy } from './resolve.js';
import type { ResolvedPolicy } from './resolved.js';

type Path = (string | number)[];

/**
 * YAML text -> resolved policy, or a PolicyError listing every problem with its path and line.
 * Pure: the caller reads the file or the request body.
 */
export function parsePolicy(text: string): ResolvedPolicy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (path: Path) => lineOfPath(doc, lines, path);
  if (doc.errors.length > 0) {
    throw new PolicyError(
      doc.errors.map((e) => ({
        path: '(yaml)',
        line: lines.linePos(e.pos[0]).line,
        message: e.message.split('\n')[0]!,
      })),
    );
  }
  const parsed = policySchema.safeParse(doc.toJS({ maxAliasCount: 100 }) ?? {});
  if (!parsed.success) throw new PolicyError(parsed.error.issues.flatMap((i) => zodIssues(i, lineOf)));
  return resolvePolicy(parsed.data satisfies PolicyDocument, lineOf);
}

function zodIssues(issue: z.core.$ZodIssue, lineOf: (p: Path) => number | undefined): PolicyIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const keyPath = [...path, key];
      return { path: formatPath(keyPath), line: lineOf(keyPath), message: `unknown key "${key}"` };
    });
  }
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  return [{ path: formatPath(path), line: lineOf(path), message }];
}

/** ['checks', 2, 'port'] -> 'checks[2].port' */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? '(root)' : out;
}

function lineOfPath(doc: Document, lines: LineCounter, path: Path): number | undefined {
  // A missing key has no node of its own: fall back to its nearest ancestor.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as Node | undefined;
    const start = keyStart(doc, path.slice(0, depth)) ?? node?.range?.[0];
    if (start !== undefined) return lines.linePos(start).line;
  }
  return undefined;
}

/** For a mapping entry, the line of its key reads better than the line of its value. */
function keyStart(doc: Document, path: Path): number | undefined {
  if (path.length === 0) return undefined;
  const parent = doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === path[path.length - 1]);
  return isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
}
