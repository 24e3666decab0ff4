import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '@portwarden/common/duration';
import { formatMatcher, MatcherError, parseMatcherSet, type Matcher } from '@portwarden/common/matchers';
import { silenceEnd, silenceState, type SilenceState } from '../silence/active.js';
import type { Silence } from '../silence/types.js';
import type { NewSilence } from '../store/silences.js';
import { BadRequestError, NotFoundError } from './errors.js';

/** Expired silences stay in the list this long after they ended. */
export const RECENT_EXPIRED_MS = 24 * 3_600_000;

/** What the silence routes need (store/silences.ts). */
export interface SilenceRouteDeps {
  silences: {
    create(silence: NewSilence): Promise<Silence>;
    list(since: Date): Promise<Silence[]>;
    expire(id: number, now: Date): Promise<Silence | undefined>;
  };
  /** @default () => new Date() */
  now?: () => Date;
}

const isoTime = z.iso.datetime({
  offset: true,
  error: 'expected an ISO 8601 time such as 2026-12-07T22:00:00Z',
});

const createBody = z
  .strictObject({
    matchers: z
      .array(z.string().max(1024))
      .min(1, 'give at least one matcher, e.g. check=web')
      .max(64)
      .meta({ description: 'name=value, name!=value, name=~regex, name!~regex (regex anchored)' }),
    startsAt: isoTime.optional().meta({ description: '@default now' }),
    endsAt: isoTime.optional(),
    duration: z.string().regex(DURATION_PATTERN, 'a duration such as 30m, 2h, 1d').optional(),
    comment: z.string().trim().min(1, 'say why: a comment is required').max(1000),
  })
  .meta({
    examples: [{ matchers: ['check=web', 'agent=web-1'], duration: '2h', comment: 'deploying web-1' }],
  });

const expireParams = z.strictObject({ id: z.string().meta({ description: 'from GET /api/v1/silences' }) });

/** A silence as the API shows it: matchers as text, and its state at the time of the answer. */
export interface SilenceView {
  id: number;
  matchers: string[];
  startsAt: Date;
  endsAt: Date;
  comment: string;
  createdBy: string;
  createdAt: Date;
  expiredAt: Date | null;
  state: SilenceState;
}

/**
 * POST/GET /api/v1/silences and POST /api/v1/silences/:id/expire. A silence holds the
 * notifications of the incidents it matches (silence/gate.ts) from `startsAt` to `endsAt`, or
 * until expired; an incident still firing when it ends is notified then (silence/release.ts).
 */
export function registerSilenceRoutes(app: FastifyInstance, deps: SilenceRouteDeps): void {
  const now = deps.now ?? (() => new Date());

  app.post<{ Body: z.output<typeof createBody> }>(
    '/api/v1/silences',
    { schema: { body: createBody } },
    async (request, reply) => {
      const at = now();
      const silence = await deps.silences.create({
        ...silenceSpan(request.body, at),
        matchers: matchersOf(request.body.matchers),
        comment: request.body.comment,
        createdBy: request.caller?.name ?? '',
      });
      return reply.code(201).send(view(silence, at));
    },
  );

  app.get('/api/v1/silences', async () => {
    const at = now();
    const silences = await deps.silences.list(new Date(at.getTime() - RECENT_EXPIRED_MS));
    return { silences: silences.map((s) => view(s, at)) };
  });

  app.post<{ Params: z.output<typeof expireParams> }>(
    '/api/v1/silences/:id/expire',
    { schema: { params: expireParams } },
    async (request) => {
      const at = now();
      const id = /^\d{1,15}$/.test(request.params.id) ? Number(request.params.id) : undefined;
      const silence = id === undefined ? undefined : await deps.silences.expire(id, at);
      if (!silence)
        throw new NotFoundError(
          `no silence with id ${request.params.id}`,
          'see `portwarden silence list` for the ids',
        );
      return view(silence, at);
    },
  );
}

function matchersOf(texts: readonly string[]): Matcher[] {
  try {
    return parseMatcherSet(texts);
  } catch (err) {
    if (err instanceof MatcherError) throw new BadRequestError(err.message, err.hint);
    throw err;
  }
}

/** `endsAt` or `duration` (one of them), after `startsAt` (default now) and in the future. */
function silenceSpan(body: z.output<typeof createBody>, now: Date): { startsAt: Date; endsAt: Date } {
  const startsAt = body.startsAt ? new Date(body.startsAt) : now;
  if ((body.endsAt === undefined) === (body.duration === undefined))
    throw new BadRequestError('give endsAt or duration, one of them', 'for example "duration": "2h"');
  const endsAt = body.endsAt
    ? new Date(body.endsAt)
    : new Date(startsAt.getTime() + parseDuration(body.duration!, 'silence duration'));
  if (endsAt.getTime() <= now.getTime())
    throw new BadRequestError('endsAt is in the past', 'a silence must end in the future');
  if (endsAt.getTime() <= startsAt.getTime())
    throw new BadRequestError('endsAt must be after startsAt', 'a silence ends after it starts');
  return { startsAt, endsAt };
}

function view(silence: Silence, now: Date): SilenceView {
  return {
    id: silence.id,
    matchers: silence.matchers.map(formatMatcher),
    startsAt: silence.startsAt,
    endsAt: silenceEnd(silence),
    comment: silence.comment,
    createdBy: silence.createdBy,
    createdAt: silence.createdAt,
    expiredAt: silence.expiredAt,
    state: silenceState(silence, now),
  };
}
