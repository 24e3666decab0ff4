/** Aligned columns for terminal output; the header in capitals, like kubectl. */
export function renderTable(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [
    headers.map((h) => h.toUpperCase()),
    ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c)))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return (
    cells
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('   ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
