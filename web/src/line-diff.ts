import { diffLines } from 'diff';

export interface DiffLine {
  kind: 'added' | 'removed' | 'same';
  text: string;
}

/** The line diff of two sources, one entry per line; the page renders the text escaped (Preact text). */
export function lineDiff(from: string, to: string): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const change of diffLines(from, to)) {
    const kind = change.added ? 'added' : change.removed ? 'removed' : 'same';
    const text = change.value.endsWith('\n') ? change.value.slice(0, -1) : change.value;
    for (const line of text.split('\n')) lines.push({ kind, text: line });
  }
  return lines;
}
