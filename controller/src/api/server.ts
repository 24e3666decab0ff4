import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Logger } from '@portwarden/common/logger';
import { redactPolicy } from '@portwarden/common/policy/secrets';
import { timeToFirstPage } from '@portwarden/common/policy/first-page';
import { MAX_POLICY_BYTES } from '@portwarden/common/policy/yaml';
import { installAuth, type AuthDeps } from '../auth/hook.js';
import { ruleFor } from '../auth/route-rules.js';
import { registerMetricsRoute, type MetricsRoute } from '../metrics/route.js';
import type { PolicyService } from '../policy/policy-service.js';
import type { AgentListRow } from '../store/agents.js';
import type { CheckStatusRow, IncidentFilter, IncidentRow, ResultFilter, ResultRow } from '../store/views.js';
import { registerApiTokenRoutes, type ApiTokenRouteDeps } from './api-token-routes.js';
import { registerCheckOverrideRoutes, type CheckOverrideActions } from './check-override-routes.js';
import { checkStatuses } from './checks-view.js';
import { registerEnrollmentRoutes, type EnrollmentAccess } from './enrollment-routes.js';
import { BadRequestError, installErrorHandler } from './errors.js';
import { registerGapRoutes, type GapList } from './gaps-routes.js';
import { registerHealthRoutes, type HealthSource } from './health-routes.js';
import { registerNotificationRoutes, type DeliveryList } from './notifications-routes.js';
import { registerIncidentRoutes, type IncidentActions } from './incident-routes.js';
import { registerIncidentDetailRoute } from './incident-detail-routes.js';
import { installOpenApi, registerOpenApiRoute } from './openapi.js';
import {
  registerPolicyRevisionRoutes,
  sourceFor,
  type PolicyRevisionList,
} from './policy-revision-routes.js';
import { registerResponseRoutes, type ResponseRouteDeps } from './responses-routes.js';
import { registerSecretRoutes, type SecretRouteDeps } from './secret-routes.js';
import { registerSilenceRoutes, type SilenceRouteDeps } from './silence-routes.js';
import { registerWebUi, type PageFallback } from './web-ui.js';

/** The agents the API lists. */
export interface ApiAgents {
  list(): Promise<AgentListRow[]>;
}

/** The read-only queries behind the API. */
export interface ApiViews {
  checkStates(): Promise<CheckStatusRow[]>;
  incidents(filter: IncidentFilter, limit: number): Promise<IncidentRow[]>;
  incident(id: number): Promise<IncidentRow | undefined>;
  results(filter: ResultFilter, limit: number): Promise<ResultRow[]>;
}

export interface ApiDeps {
  policy: PolicyService;
  /** Every applied revision (policy-revision-routes.ts). */
  policyRevisions: PolicyRevisionList;
  agents: ApiAgents;
  views: ApiViews;
  logger: Logger;
  /** Tokens and revocation (enrollment-routes.ts). */
  enrollment: EnrollmentAccess;
  gaps: GapList;
  /** The notification log and pending deliveries (notifications-routes.ts). */
  notifications: DeliveryList;
  /** Response rounds and "test now" (responses-routes.ts). */
  responses: ResponseRouteDeps;
  /** Bearer tokens, roles, the Host check and the audit (auth/hook.ts). */
  auth: Omit<AuthDeps, 'logger'>;
  /** API tokens and the audit log (api-token-routes.ts). */
  apiTokens: ApiTokenRouteDeps;
  /** Sealed secrets for notification channels (secret-routes.ts). */
  secrets: SecretRouteDeps;
  /** Silences (silence-routes.ts). */
  silences: SilenceRouteDeps;
  /** HTTPS with this certificate and key. @default plain HTTP */
  tls?: { cert: string; key: string };
  /** /livez, /readyz, /healthz (health-routes.ts). */
  health: HealthSource;
  /** Acknowledging incidents (incident-routes.ts). */
  incidents: IncidentActions;
  /** Checks disabled at run time (check-override-routes.ts). */
  overrides: CheckOverrideActions;
  /** GET /metrics (metrics/route.ts). @default not served */
  metrics?: MetricsRoute;
  /** The built web UI served at `/` (web-ui.ts). @default none: the API alone */
  webRoot?: string;
}

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'];

const incidentsQuery = z.strictObject({
  status: z.enum(['open', 'resolved', 'all']).default('all'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const resultsQuery = z.strictObject({
  check: z.string().min(1).max(63).meta({ description: "the check's id" }),
  agent: z.string().min(1).max(128).optional(),
  hours: z.coerce.number().int().min(1).max(168).default(24).meta({ description: 'how far back' }),
  limit: z.coerce.number().int().min(1).max(10_000).default(2000),
});

/** For the OpenAPI document; the handler says what is wrong with any other body. */
const policyBody = {
  body: { content: Object.fromEntries(YAML_TYPES.map((type) => [type, { schema: { type: 'string' } }])) },
};

/** A policy route's body: the YAML text, or a one-line error saying how to send it. */
function yamlBody(body: unknown): string {
  if (typeof body !== 'string' || body.trim() === '') {
    throw new BadRequestError(
      'the request body must be the policy YAML',
      'send it with Content-Type: application/yaml',
    );
  }
  return body;
}

/** The JSON HTTP API used by the CLI and, later, the web UI. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.tls && { https: deps.tls }),
    loggerInstance: deps.logger.child({ component: 'api' }) as FastifyBaseLogger,
    // One line per request would drown the events that matter; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // The web UI's pages are the 404 handler's (web-ui.ts), once its files are found below.
  const web: { page?: PageFallback } = {};
  installErrorHandler(app, deps.logger, (request, reply) => web.page?.(request, reply) ?? false);
  installAuth(app, { ...deps.auth, logger: deps.logger.child({ component: 'auth' }) });
  // Its files are routes like the API's: the Host check guards them too.
  web.page = registerWebUi(app, deps.webRoot, deps.logger.child({ component: 'web' }));
  app.addContentTypeParser(
    YAML_TYPES,
    { parseAs: 'string', bodyLimit: MAX_POLICY_BYTES },
    (_req, body, done) => done(null, body),
  );

  // Every /api route as registered, with the role it needs: what a test holds against route-rules.ts.
  const routes: string[] = [];
  app.addHook('onRoute', ({ method, url }) => {
    for (const m of [method].flat())
      if (m !== 'HEAD' && url.startsWith('/api')) routes.push(`${m} ${url} (${ruleFor(m, url).role})`);
  });
  await installOpenApi(app);

  registerHealthRoutes(app, deps.health);
  if (deps.metrics) registerMetricsRoute(app, deps.metrics);
  app.get('/api/v1', async () => ({ routes: [...routes].sort(byPath) }));
  // Who the token is: the web UI's sign in, and which buttons it shows.
  app.get('/api/v1/whoami', async (request) => ({ name: request.caller?.name, role: request.caller?.role }));
  registerOpenApiRoute(app);

  registerEnrollmentRoutes(app, deps.enrollment);
  registerGapRoutes(app, deps.gaps);
  registerNotificationRoutes(app, deps.notifications);
  registerApiTokenRoutes(app, deps.apiTokens);
  registerSecretRoutes(app, deps.secrets);
  registerSilenceRoutes(app, deps.silences);
  registerIncidentRoutes(app, deps.incidents);
  registerIncidentDetailRoute(app, {
    incident: (id) => deps.views.incident(id),
    deliveries: deps.notifications,
    responses: deps.responses.responses,
  });
  registerCheckOverrideRoutes(app, deps);
  registerPolicyRevisionRoutes(app, deps.policyRevisions);
  registerResponseRoutes(app, { ...deps.responses, policy: deps.policy, agents: deps.agents });

  app.put('/api/v1/policy', { schema: policyBody }, async (request, reply) => {
    const { revision, policy, createdAt, unchanged, warnings } = await deps.policy.apply(
      yamlBody(request.body),
    );
    // 200 and the revision in force when nothing changed; 201 for a new revision.
    return reply
      .code(unchanged ? 200 : 201)
      .send({ revision, checks: policy.checks.length, createdAt, unchanged, warnings });
  });

  // `apply --dry-run`: apply's checks and each check's time to first page; nothing stored or pushed.
  app.post('/api/v1/policy/validate', { schema: policyBody }, async (request) => {
    const { policy, warnings } = await deps.policy.validate(yamlBody(request.body));
    return {
      valid: true,
      checks: policy.checks.length,
      alertGroups: Object.keys(policy.alertGroups).length,
      warnings,
      firstPage: timeToFirstPage(policy),
    };
  });

  app.get('/api/v1/policy', async (request) => {
    const current = deps.policy.current();
    if (!current) return { revision: 0, source: '', policy: null };
    // Literal credentials in channels are for admins' eyes only.
    const admin = request.caller?.role === 'admin';
    return {
      revision: current.revision,
      createdAt: current.createdAt,
      source: sourceFor(current, request.caller?.role),
      policy: admin ? current.policy : redactPolicy(current.policy),
    };
  });

  app.get('/api/v1/agents', async () => ({ agents: await deps.agents.list() }));

  app.get('/api/v1/checks', async () => {
    const [agents, states, overrides] = await Promise.all([
      deps.agents.list(),
      deps.views.checkStates(),
      deps.overrides.list(),
    ]);
    return { checks: checkStatuses(deps.policy.current()?.policy, agents, states, overrides) };
  });

  // The check page: latency and outcomes over the last day, the newest transcripts.
  app.get<{ Querystring: z.output<typeof resultsQuery> }>(
    '/api/v1/results',
    { schema: { querystring: resultsQuery } },
    async ({ query }) => ({
      results: await deps.views.results(
        {
          checkId: query.check,
          since: new Date(Date.now() - query.hours * 3_600_000),
          ...(query.agent !== undefined && { agent: query.agent }),
        },
        query.limit,
      ),
    }),
  );

  app.get<{ Querystring: z.output<typeof incidentsQuery> }>(
    '/api/v1/incidents',
    { schema: { querystring: incidentsQuery } },
    async ({ query }) => ({ incidents: await deps.views.incidents(query.status, query.limit) }),
  );

  return app;
}

/** `GET /api/v1/agents (viewer)`: by path, then method. */
function byPath(a: string, b: string): number {
  const [methodA, pathA] = a.split(' ') as [string, string];
  const [methodB, pathB] = b.split(' ') as [string, string];
  return pathA.localeCompare(pathB) || methodA.localeCompare(methodB);
}
