import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { matchesSelector } from '@portwarden/common/labels';
import type { PolicyService } from '../policy/policy-service.js';
import type { AgentRecord } from '../store/agents.js';
import type { ResponseFilter, ResponseRow } from '../store/responses.js';
import type { TestBroker } from '../testnow/broker.js';
import { agentParams } from './validation.js';

/** What the responses and "test now" routes need besides the policy and the agents. */
export interface ResponseRouteDeps {
  /** Response rounds, newest first. */
  responses: { list(filter: ResponseFilter): Promise<ResponseRow[]> };
  tests: Pick<TestBroker, 'run'>;
}

const responsesQuery = z.strictObject({
  agent: z.string().min(1).max(128).optional(),
  check: z.string().min(1).max(63).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const testBody = z
  .strictObject({ check: z.string().min(1).max(200).meta({ description: "the check's id or its name" }) })
  .meta({ examples: [{ check: 'web' }] });

const testSchema = {
  schema: {
    params: agentParams,
    body: testBody,
  },
};
type TestRequest = { Params: { name: string }; Body: z.output<typeof testBody> };

/** The margin over the check's own timeout for the round trip to the agent. */
const TEST_MARGIN_MS = 5_000;
/** No request waits longer than this, whatever the check's timeout. */
export const TEST_MAX_WAIT_MS = 120_000;

/**
 * GET /api/v1/responses?agent=&check=&limit=: the response rounds agents reported, newest first.
 * POST /api/v1/agents/:name/test {check}: runs the check on that agent now and returns its result;
 * nothing is stored, no threshold moves, no response runs.
 */
export function registerResponseRoutes(
  app: FastifyInstance,
  deps: ResponseRouteDeps & { policy: PolicyService; agents: { list(): Promise<AgentRecord[]> } },
): void {
  app.get<{ Querystring: z.output<typeof responsesQuery> }>(
    '/api/v1/responses',
    { schema: { querystring: responsesQuery } },
    async ({ query }) => ({ responses: await deps.responses.list(query) }),
  );

  app.post<TestRequest>('/api/v1/agents/:name/test', testSchema, async (request, reply) => {
    const name = request.params.name;
    const check = deps.policy
      .current()
      ?.policy.checks.find((c) => c.id === request.body.check || c.name === request.body.check);
    if (!check)
      return fail(
        reply,
        404,
        'not-found',
        `no check "${request.body.check}" in the policy`,
        'see portwarden get checks',
      );
    const agent = (await deps.agents.list()).find((a) => a.name === name);
    if (!agent) return fail(reply, 404, 'not-found', `no agent "${name}"`, 'see portwarden get agents');
    if (!matchesSelector(check.agents, agent.labels))
      return fail(
        reply,
        409,
        'not-assigned',
        `agent ${name} does not run check "${check.name}"`,
        "its labels do not match the check's agents selector",
      );
    const waitMs = Math.min(check.timeoutMs + TEST_MARGIN_MS, TEST_MAX_WAIT_MS);
    const outcome = await deps.tests.run(name, check.id, waitMs);
    switch (outcome.status) {
      case 'done':
        return {
          agent: name,
          check: { id: check.id, name: check.name, kind: check.kind ?? 'port' },
          result: outcome.result,
        };
      case 'refused':
        return fail(
          reply,
          409,
          'test-refused',
          `agent ${name} could not run "${check.name}": ${outcome.error}`,
          'the agent may not have applied the latest policy yet; try again',
        );
      case 'not-connected':
        return fail(
          reply,
          409,
          'agent-not-connected',
          `agent ${name} is not connected`,
          'start the agent; once it is connected to any replica, any replica runs the test',
        );
      case 'timeout':
        return fail(
          reply,
          504,
          'test-timeout',
          `agent ${name} did not answer within ${waitMs} ms`,
          "see the agent's log",
        );
    }
  });
}

function fail(reply: FastifyReply, status: number, code: string, message: string, hint: string) {
  return reply.code(status).send({ error: { code, message, hint } });
}
