import type { PendingQuery, Row } from 'postgres';
import type { TransactionSql } from './db.js';

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
 * A `jsonb[]` column as one JSON document: a single native JSON.stringify instead of a string per
 * element quoted and escaped again (JSON is full of quotes), six times cheaper for a group of
 * results. JSON null (and undefined) is SQL NULL. Sent as text: a parameter PostgreSQL types
 * jsonb is JSON-encoded again by postgres.js.
 */
export function jsonColumn(tx: TransactionSql, values: readonly unknown[]): PendingQuery<Row[]> {
  return tx`ARRAY(SELECT nullif(e, 'null'::jsonb)
                  FROM jsonb_array_elements(${JSON.stringify(values)}::text::jsonb) WITH ORDINALITY AS t(e, i) ORDER BY i)`;
}

/**
 * A `timestamptz[]` column as epoch milliseconds, made timestamps by PostgreSQL: no date text
 * built (toISOString) or parsed per element. Exact: JavaScript dates hold whole milliseconds.
 */
export function timeColumn(tx: TransactionSql, values: readonly (Date | null)[]): PendingQuery<Row[]> {
  const ms = numberArray(values.map((v) => v?.getTime() ?? null));
  return tx`ARRAY(SELECT to_timestamp(ms / 1000.0)
                  FROM unnest(${ms}::bigint[]) WITH ORDINALITY AS t(ms, i) ORDER BY i)`;
}

/** For `::jsonb[]` where a column must be a literal (inside another array's element). */
export function jsonArray(values: readonly unknown[]): string {
  return textArray(values.map((v) => (v === null || v === undefined ? null : JSON.stringify(v))));
}
