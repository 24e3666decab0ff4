import type { TestOutcome } from '../testnow/broker.js';
import type { Sql } from './db.js';

/** "Test now" answers too large for a NOTIFY payload, between two replicas (migration 0016). */
export function createTestAnswerStore(sql: Sql) {
  return {
    async put(requestId: string, outcome: TestOutcome): Promise<void> {
      await sql`INSERT INTO test_answers (request_id, answer) VALUES (${requestId}, ${sql.json(outcome as never)})`;
      // An asker that died never takes its answer.
      await sql`DELETE FROM test_answers WHERE created_at < now() - interval '1 hour'`;
    },

    /** The stored answer as JSON (dates are strings), removed; undefined when there is none. */
    async take(requestId: string): Promise<unknown> {
      const [row] = await sql<{ answer: unknown }[]>`
        DELETE FROM test_answers WHERE request_id = ${requestId} RETURNING answer`;
      return row?.answer;
    },
  };
}
