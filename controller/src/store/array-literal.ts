/**
 * PostgreSQL array literals built here rather than by postgres.js, which types and escapes each
 * element on its own (two regex passes a string): for the whole-column parameters of a group
 * commit that was a tenth of the controller's CPU. postgres.js passes a string through as it is,
 * and the statement's cast (`::text[]`, `::bigint[]`, `::jsonb[]`) tells PostgreSQL the type.
 */

const NEEDS_ESCAPE = /[\\"]/g;

/** Every element quoted, so that no text (not even `NULL` or `{}`) is read as anything else. */
export function textArray(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) out += ',';
    out += value === null || value === undefined ? 'NULL' : `"${value.replace(NEEDS_ESCAPE, '\\$&')}"`;
  }
  return `${out}}`;
}

export function numberArray(values: readonly (number | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) out += ',';
    out += value === null || value === undefined ? 'NULL' : String(value);
  }
  return `${out}}`;
}

/**
 * A jsonb column as one JSON document, for `jsonb_array_elements(${doc}::text::jsonb)` in the
 * statement's `ROWS FROM`: a single native JSON.stringify instead of a string per element quoted
 * and escaped again (JSON is full of quotes), six times cheaper for a group of results. JSON
 * null (undefined too) comes out as the jsonb `null`: the statement makes it SQL NULL (`nullif`).
 * Sent as text: a parameter PostgreSQL types jsonb is JSON-encoded again by postgres.js.
 */
export function jsonDocument(values: readonly unknown[]): string {
  return JSON.stringify(values.map((v) => (v === undefined ? null : v)));
}

/**
 * A timestamptz column as epoch milliseconds (`::bigint[]`), made timestamps by the statement
 * (`to_timestamp(ms / 1000.0)`): no date text built (toISOString) or parsed per element. Exact:
 * JavaScript dates hold whole milliseconds.
 */
export function epochMsArray(values: readonly (Date | null)[]): string {
  return numberArray(values.map((v) => v?.getTime() ?? null));
}

/** For `::jsonb[]` where a column must be a literal (inside another array's element). */
export function jsonArray(values: readonly unknown[]): string {
  return textArray(values.map((v) => (v === null || v === undefined ? null : JSON.stringify(v))));
}
