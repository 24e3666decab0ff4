import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { matchesSelector } from '@portwarden/common/labels';
import type { ResolvedCheck } from '@portwarden/common/policy/resolved';
import type { DisableRequest } from '../override/decide.js';
import type { DisableOutcome, EnableOutcome } from '../override/service.js';
import type { PolicyService } from '../policy/policy-service.js';
import type { AgentRecord } from '../store/agents.js';
import type { CheckOverride } from '../store/check-overrides.js';
import { ConflictError, NotFoundError } from './errors.js';

/** What the disable/enable routes need; parts.ts wires override/service.ts. */
export interface CheckOverrideActions {
  list(): Promise<CheckOverride[]>;
  disable(request: DisableRequest): Promise<DisableOutcome>;
  enable(checkId: string, agent: string | null): Promise<EnableOutcome>;
}

export interface CheckOverrideRouteDeps {
  overrides: CheckOverrideActions;
  policy: Pick<PolicyService, 'current'>;
  agents: { list(): Promise<AgentRecord[]> };
}

const checkParams = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(200)
    .meta({ description: "the check's id (or its name), in the policy in force" }),
});

const agentField = z
  .string()
  .min(1)
  .max(128)
  .optional()
  .meta({ description: 'only on this agent; @default every agent that runs the check' });

const disableBody = z
  .strictObject({ agent: agentField, comment: z.string().trim().min(1).max(1000).optional() })
  .meta({ examples: [{ agent: 'web-1', comment: 'migrating the mail server' }] });

const enableBody = z.strictObject({ agent: agentField }).meta({ examples: [{ agent: 'web-1' }] });

type DisableCall = { Params: z.output<typeof checkParams>; Body: z.output<typeof disableBody> };
type EnableCall = { Params: z.output<typeof checkParams>; Body: z.output<typeof enableBody> };

/** An override as the API shows it: `agent` null means every agent. */
export const overrideView = (o: CheckOverride) => ({
  agent: o.agent,
  by: o.by,
  at: o.at.toISOString(),
  comment: o.comment,
});

/**
 * POST /api/v1/checks/:id/disable {agent?, comment?} and POST /api/v1/checks/:id/enable {agent?}:
 * the Ports tab's tick box without editing the policy. The agents concerned get their config again
 * at once, the check sent disabled (override/service.ts, parts.ts policyPushPart). Both are
 * idempotent (`changed` says whether this call changed anything); 404 for a check not in the
 * policy in force or an unknown agent.
 */
export function registerCheckOverrideRoutes(app: FastifyInstance, deps: CheckOverrideRouteDeps): void {
  app.post<DisableCall>(
    '/api/v1/checks/:id/disable',
    { schema: { params: checkParams, body: disableBody } },
    async (request) => {
      const check = checkIn(deps, request.params.id);
      const agent = await agentFor(deps, check, request.body.agent, true);
      const { override, changed } = await deps.overrides.disable({
        checkId: check.id,
        agent,
        by: request.caller?.name ?? '',
        comment: request.body.comment ?? null,
      });
      return { check: { id: check.id, name: check.name }, agent, disabled: overrideView(override), changed };
    },
  );

  app.post<EnableCall>(
    '/api/v1/checks/:id/enable',
    { schema: { params: checkParams, body: enableBody } },
    async (request) => {
      const check = checkIn(deps, request.params.id);
      const agent = await agentFor(deps, check, request.body.agent, false);
      const outcome = await deps.overrides.enable(check.id, agent);
      if ('blockedBy' in outcome) {
        const { by, at } = outcome.blockedBy;
        throw new ConflictError(
          `check "${check.name}" is disabled on every agent (by ${by} at ${at.toISOString()}): it cannot be enabled on ${agent ?? ''} alone`,
          `enable it everywhere with portwarden enable ${check.id}, then disable it where it should stay off`,
        );
      }
      return { check: { id: check.id, name: check.name }, agent, changed: outcome.removed > 0 };
    },
  );
}

/** The check of the policy in force, by id or name. */
function checkIn(deps: CheckOverrideRouteDeps, idOrName: string): ResolvedCheck {
  const check = deps.policy.current()?.policy.checks.find((c) => c.id === idOrName || c.name === idOrName);
  if (!check)
    throw new NotFoundError(`no check "${idOrName}" in the policy in force`, 'see portwarden get checks');
  return check;
}

/**
 * The agent asked for (null: every agent): one the controller knows, and, to disable, one that
 * runs the check. Enabling on an agent that no longer runs it still lifts its override.
 */
async function agentFor(
  deps: CheckOverrideRouteDeps,
  check: ResolvedCheck,
  name: string | undefined,
  mustRun: boolean,
): Promise<string | null> {
  if (name === undefined) return null;
  const agent = (await deps.agents.list()).find((a) => a.name === name);
  if (!agent) throw new NotFoundError(`no agent "${name}"`, 'see portwarden get agents');
  if (mustRun && !matchesSelector(check.agents, agent.labels))
    throw new ConflictError(
      `agent ${name} does not run check "${check.name}"`,
      "its labels do not match the check's agents selector",
    );
  return agent.name;
}
