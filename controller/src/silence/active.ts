import { compileMatchers, formatMatcher, type Matcher } from '@portwarden/common/matchers';
import type { Labels } from '@portwarden/common/labels';
import type { ResolvedMaintenance } from '@portwarden/common/policy/resolved';
import { windowAt } from '@portwarden/common/schedule';
import type { Cover, Silence } from './types.js';

/** A silence before its start, in force, or over (ended, or expired by hand). */
export type SilenceState = 'pending' | 'active' | 'expired';

export function silenceState(
  silence: Pick<Silence, 'startsAt' | 'endsAt' | 'expiredAt'>,
  now: Date,
): SilenceState {
  if (now.getTime() >= silenceEnd(silence).getTime()) return 'expired';
  return now.getTime() < silence.startsAt.getTime() ? 'pending' : 'active';
}

/** When it ends: as planned, or when expired by hand if that was earlier. */
export function silenceEnd({ endsAt, expiredAt }: Pick<Silence, 'endsAt' | 'expiredAt'>): Date {
  return expiredAt && expiredAt.getTime() < endsAt.getTime() ? expiredAt : endsAt;
}

/**
 * What covers an event with these labels at `now`: the oldest active silence that matches, else
 * the first maintenance window (policy order) that is open and matches; undefined when none.
 */
export function coverAt(
  labels: Labels,
  silences: readonly Silence[],
  windows: readonly ResolvedMaintenance[],
  now: Date,
): Cover | undefined {
  const silence = [...silences]
    .sort((a, b) => a.id - b.id)
    .find((s) => silenceState(s, now) === 'active' && matchesAll(s.matchers, labels));
  if (silence) return { kind: 'silence', id: silence.id };
  const window = windows.find((w) => matchesAll(w.matchers, labels) && windowAt(w, now) !== undefined);
  return window && { kind: 'maintenance', name: window.name };
}

function matchesAll(matchers: readonly Matcher[], labels: Labels): boolean {
  return compileMatchers(matchers).matches(labels);
}

/** The notification log's note of a hold (its `error` column): `silence 7`, `maintenance nightly`. */
export function coverNote(cover: Cover): string {
  return cover.kind === 'silence' ? `silence ${cover.id}` : `maintenance ${cover.name}`;
}

/** `coverNote` read back; undefined for any other text. */
export function parseCoverNote(note: string): Cover | undefined {
  const silence = /^silence (\d+)$/.exec(note);
  if (silence) return { kind: 'silence', id: Number(silence[1]) };
  const window = /^maintenance (.+)$/s.exec(note);
  return window ? { kind: 'maintenance', name: window[1]! } : undefined;
}

/** The release notice: `Silence 7 ended; still failing since 2026-12-07T10:00:00.000Z.` */
export function releaseText(note: string, since: string): string {
  const cover = parseCoverNote(note);
  const what =
    cover?.kind === 'silence'
      ? `Silence ${cover.id}`
      : cover?.kind === 'maintenance'
        ? `Maintenance window "${cover.name}"`
        : 'The hold';
  return `${what} ended; still failing since ${since}.`;
}

/** Matchers as one line, for lists: `check=web, agent=~db-.*`. */
export function formatMatchers(matchers: readonly Matcher[]): string {
  return matchers.map(formatMatcher).join(', ');
}
