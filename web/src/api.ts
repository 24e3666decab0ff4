/**
 * The documented HTTP API, same origin, with `Authorization: Bearer`. The token lives in
 * sessionStorage: gone with the tab, never sent by the browser on its own (no cookie, no CSRF).
 */
const TOKEN_KEY = 'portwarden.token';

export type Role = 'viewer' | 'operator' | 'admin';

export interface Me {
  name: string;
  role: Role;
}

/** A problem of a rejected policy, by path and line. */
export interface PolicyIssue {
  path: string;
  line?: number;
  message: string;
}

/** An API error as one line: the message, and the hint when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly issues: PolicyIssue[] = [],
  ) {
    super(hint ? `${message} (${hint})` : message);
  }
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** Called when the API says the token is no longer good (401): back to sign in. */
let onUnauthenticated: () => void = () => undefined;
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; yaml?: string; token?: string } = {},
): Promise<T> {
  const token = init.token ?? storedToken() ?? '';
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.yaml !== undefined) headers['content-type'] = 'application/yaml';
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    ...(init.yaml !== undefined && { body: init.yaml }),
  });
  const body = (await response.json().catch(() => undefined)) as
    { error?: { code: string; message: string; hint?: string; issues?: PolicyIssue[] } } | undefined;
  if (!response.ok) {
    const error = body?.error;
    if (response.status === 401 && init.token === undefined) onUnauthenticated();
    throw new ApiError(
      response.status,
      error?.code ?? 'http',
      error?.message ?? `${response.status} ${response.statusText}`,
      error?.hint,
      error?.issues,
    );
  }
  return body as T;
}

/** Operators and admins may act; a viewer only looks. */
export function canOperate(me: Me | null): boolean {
  return me?.role === 'operator' || me?.role === 'admin';
}

/** GET /api/v1/checks: one row of the status board. */
export interface CheckStatus {
  agent: string;
  checkId: string;
  name: string;
  target: string;
  enabled: boolean;
  status: string;
  consecutiveFailures: number;
  failuresBeforeAlert: number;
  /** Successes in a row; an open incident resolves at `successesBeforeResolve`. */
  consecutiveSuccesses: number;
  successesBeforeResolve: number;
  flapping: { since: string } | null;
  since: string | null;
  lastResultAt: string | null;
  reason: string;
  detail: string;
  /** The open incident; null when none is open. */
  incidentId: number | null;
}

export interface AgentRow {
  name: string;
  labels: Record<string, string>;
  os: string;
  hostname: string;
  agentVersion: string;
  configRevision: number;
  connected: boolean;
  lastSeenAt: string | null;
  configError: string | null;
  dropped: number;
  revokedAt: string | null;
  certificateExpiresAt: string | null;
}

export interface IncidentRow {
  id: number;
  agent: string;
  checkId: string;
  checkName: string;
  alertGroup: string;
  reason: string;
  detail: string;
  openedAt: string;
  resolvedAt: string | null;
  ackedBy: string | null;
  ackedAt: string | null;
  ackComment: string | null;
}

export interface DeliveryRow {
  id: number | null;
  incidentId: number;
  event: 'opened' | 'resolved';
  notice: string | null;
  alertGroup: string;
  channelKey: string;
  channelKind: string;
  status: string;
  attempts: number;
  error: string | null;
  eventAt: string;
  createdAt: string | null;
  updatedAt: string;
}

/** GET /api/v1/incidents/:id: a response round the agent ran, and what came of it. */
export interface ResponseRound {
  startedAt: string;
  verdict: string;
  attempts: unknown[];
  outcome: string;
  reason: string;
  detail: string;
  incidentId: number | null;
}

/** GET /api/v1/incidents/:id: a silence (or maintenance window) that held its notifications. */
export interface HeldBy {
  note: string;
  silence: number | null;
  firstHeldAt: string;
  held: number;
}

/** GET /api/v1/incidents/:id: the incident and its timeline's data. */
export interface IncidentDetail {
  incident: IncidentRow;
  notifications: DeliveryRow[];
  responses: ResponseRound[];
  silences: HeldBy[];
}

export interface TranscriptEntry {
  atMs: number;
  direction: 'sent' | 'received' | 'note';
  text: string;
}

/** POST /api/v1/agents/:name/test: the result of a probe run now. */
export interface TestAnswer {
  agent: string;
  check: { id: string; name: string; kind: string };
  result: {
    outcome: string;
    reason: string;
    detail: string;
    durationMs: number;
    transcript: { entries: TranscriptEntry[]; truncated: boolean } | null;
  };
}

/** GET /api/v1/silences: active, pending, and those that ended in the last 24 h. */
export interface SilenceRow {
  id: number;
  matchers: string[];
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
  createdAt: string;
  expiredAt: string | null;
  state: 'active' | 'pending' | 'expired';
}

/** GET /api/v1/results: stored probe results of one check, newest first. */
export interface ResultRow {
  agent: string;
  checkId: string;
  seq: number;
  startedAt: string;
  durationMs: number;
  outcome: 'up' | 'down';
  reason: string;
  detail: string;
  transcript: { entries: TranscriptEntry[]; truncated: boolean } | null;
  /** A firewall check's report; null for other checks. */
  firewall: FirewallReport | null;
}

/** What a firewall check read: each profile's state, by which provider, and Group Policy's hand. */
export interface FirewallReport {
  /** null when no provider could read the state. */
  provider: string | null;
  found: string[];
  profiles: { profile: string; state: string; detail: string; gpoOverride?: boolean }[];
  service?: { name: string; state: string; detail: string };
  notes: string[];
}

/** GET /api/v1/responses: a response round an agent ran, newest first. */
export interface ResponseRow extends ResponseRound {
  agent: string;
  checkId: string;
  checkName: string;
  seq: number;
}
