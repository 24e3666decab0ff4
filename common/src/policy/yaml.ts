import {
  isAlias,
  isMap,
  isScalar,
  LineCounter,
  parseDocument,
  visit,
  type Alias,
  type Document,
  type Node,
} from 'yaml';
import { PolicyError } from '../errors.js';
import type { LineOf, Path } from './path.js';

/** The largest policy accepted, in bytes: the controller's request limit, checked by the CLI too. */
export const MAX_POLICY_BYTES = 1024 * 1024;

/**
 * How many alias uses the document may expand, nested ones multiplied (yaml's own count and
 * default). It stops the "billion laughs": a few lines of anchors that expand to millions of nodes.
 */
const MAX_ALIAS_COUNT = 100;

export interface YamlValue {
  /** The document as plain data, aliases expanded. */
  value: unknown;
  lineOf: LineOf;
}

/** YAML text -> plain data and a way back from a path to its line, or a PolicyError with the line. */
export function readYaml(text: string): YamlValue {
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) {
    throw new PolicyError([
      { path: '(root)', message: `is over ${MAX_POLICY_BYTES} bytes (1 MiB), the most a policy may have` },
    ]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PolicyError(
      doc.errors.map((e) => ({
        path: '(yaml)',
        line: lines.linePos(e.pos[0]).line,
        message: e.message.split('\n')[0]!,
      })),
    );
  }
  return { value: toData(doc, lines) ?? {}, lineOf: (path) => lineOfPath(doc, lines, path) };
}

/**
 * yaml throws a bare ReferenceError (no position) for an alias bomb and for an alias used before
 * its anchor; both become a policy error at the alias that is to blame.
 */
function toData(doc: Document, lines: LineCounter): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (err) {
    const blamed = blamedAlias(doc);
    const start = blamed?.alias.range?.[0];
    throw new PolicyError([
      {
        path: '(yaml)',
        ...(start !== undefined && { line: lines.linePos(start).line }),
        message: !blamed
          ? `cannot be read: ${(err as Error).message}`
          : blamed.unresolved
            ? `alias *${blamed.alias.source} comes before its anchor: set &${blamed.alias.source} first`
            : `aliases expand to too much data (over ${MAX_ALIAS_COUNT} uses, nested ones multiplied): write the values out`,
      },
    ]);
  }
}

/** The first alias without an anchor before it; else the first alias, where expanding starts. */
function blamedAlias(doc: Document): { alias: Alias; unresolved: boolean } | undefined {
  const anchors = new Set<string>();
  const aliases: { alias: Alias; unresolved: boolean }[] = [];
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) aliases.push({ alias: node, unresolved: !anchors.has(node.source) });
      else if (node.anchor) anchors.add(node.anchor);
    },
  });
  return aliases.find((a) => a.unresolved) ?? aliases[0];
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
