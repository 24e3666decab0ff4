import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { epochMsArray, jsonArray, jsonDocument, numberArray, textArray } from './array-literal.js';
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

describe('columns PostgreSQL converts, read in lockstep by ROWS FROM as ingest-store.ts does', () => {
  /** Each JSON document element and each epoch-ms element, converted as the statements do, in order. */
  async function lockstep(json: unknown[], times: (Date | null)[]) {
    const rows = await sql<{ j: unknown; t: Date | null }[]>`
      SELECT nullif(j, 'null') AS j, to_timestamp(ms / 1000.0) AS t
      FROM ROWS FROM (jsonb_array_elements(${jsonDocument(json)}::text::jsonb), unnest(${epochMsArray(times)}::bigint[]))
        AS u(j, ms)`;
    return rows.map((r) => [r.j, r.t]);
  }

  it('JSON objects with quotes, backslashes and nested arrays stay objects; null and undefined are NULL; times exact to the millisecond', async () => {
    const json = [
      { a: 'say "hi" \\ there', n: [1, 2] },
      null,
      undefined,
      { entries: [{ text: '220 x\\r\\n' }] },
      [],
    ];
    const times = [
      new Date(Date.UTC(2026, 0, 1, 2, 3, 4, 567)),
      null,
      new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)),
      new Date(Date.UTC(2038, 0, 19, 3, 14, 8, 1)),
      new Date(0),
    ];
    expect(await lockstep(json, times)).toEqual([
      [json[0], times[0]],
      [null, null],
      [null, times[2]],
      [json[3], times[3]],
      [[], times[4]],
    ]);
  });

  it('empty columns', async () => {
    expect(await lockstep([], [])).toEqual([]);
  });
});
