import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { jsonArray, jsonColumn, numberArray, textArray, timeColumn } from './array-literal.js';
import { createDb, type Sql } from './db.js';

let db: TestDatabase;
let sql: Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 1 });
});

afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

/** The elements as PostgreSQL reads them, one row each (postgres.js's own array parser is not under test). */
async function elements<T>(literal: string, type: string): Promise<T[]> {
  const rows = await sql.unsafe<{ v: T }[]>(
    `SELECT v FROM unnest($1::${type}) WITH ORDINALITY AS u(v, i) ORDER BY i`,
    [literal],
  );
  return rows.map((r) => r.v);
}

describe('array literals, read back by PostgreSQL', () => {
  const texts: [string, (string | null)[]][] = [
    ['nothing', []],
    ['quotes and backslashes', ['say "hi"', 'C:\\path\\', '\\"', '"']],
    ['what array syntax means', ['a,b', '{x}', '', ' spaced ', 'NULL', 'null']],
    ['NULL itself', [null, 'x', null]],
    ['unicode and control characters', ['ünï ✓', 'line\nbreak\ttab', '\u0001']],
  ];
  it.each(texts)('text[]: %s', async (_why, values) => {
    expect(await elements(textArray(values), 'text[]')).toEqual(values);
  });

  it('bigint[] and int[] with NULLs', async () => {
    const values = [1, null, 2 ** 40, 0, -5];
    expect(await elements(numberArray(values), 'bigint[]')).toEqual(values);
  });

  it('jsonb[] literal: objects with quotes and backslashes stay objects; null stays NULL', async () => {
    const values = [{ a: 'say "hi" \\ there', n: [1, 2] }, null, { entries: [{ text: '220 x\\r\\n' }] }];
    expect(await elements(jsonArray(values), 'jsonb[]')).toEqual(values);
  });
});

describe('columns PostgreSQL builds from one parameter, read back in order', () => {
  /** The column's elements, one row each, in order. */
  async function column<T>(fragment: ReturnType<typeof timeColumn>): Promise<T[]> {
    const rows = await sql<
      { v: T }[]
    >`SELECT v FROM unnest(${fragment}) WITH ORDINALITY AS u(v, i) ORDER BY i`;
    return rows.map((r) => r.v);
  }

  it('jsonb[] from one JSON document: quotes, backslashes, nested arrays; null and undefined are NULL', async () => {
    const values = [
      { a: 'say "hi" \\ there', n: [1, 2] },
      null,
      undefined,
      { entries: [{ text: '220 x\\r\\n' }] },
      [],
    ];
    expect(await column(jsonColumn(sql as never, values))).toEqual([values[0], null, null, values[3], []]);
  });

  it('timestamptz[] from epoch milliseconds: exact to the millisecond, NULL kept, order kept', async () => {
    const values = [
      new Date(Date.UTC(2026, 0, 1, 2, 3, 4, 567)),
      null,
      new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)),
      new Date(Date.UTC(2038, 0, 19, 3, 14, 8, 1)),
    ];
    expect(await column(timeColumn(sql as never, values))).toEqual(values);
  });

  it('empty columns', async () => {
    expect(await column(timeColumn(sql as never, []))).toEqual([]);
    expect(await column(jsonColumn(sql as never, []))).toEqual([]);
  });
});
