import { Cron } from 'croner';

/**
 * Recurring windows (maintenance): a start schedule in cron form, evaluated in an IANA time zone
 * by croner (DST included), and a fixed duration in real time. A weekly schedule is turned into
 * cron here, so there is one evaluation path.
 *
 * DST, as Vixie cron: a start in the hour that does not exist (02:30 on the spring-forward night
 * in Europe/Berlin) happens at the first minute after the jump (03:00 CEST); a start in the hour
 * that happens twice happens once, at its first occurrence (CEST). The duration is elapsed time:
 * `01:00` for `3h` on the autumn night ends at 03:00 CET, four wall-clock hours later.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** `HH:MM`, 24-hour. */
export const TIME_OF_DAY_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `{days: [mon, wed], at: "02:30"}` -> `30 2 * * 1,3`. */
export function weeklyCron(days: readonly Weekday[], at: string): string {
  const [, hours, minutes] = TIME_OF_DAY_PATTERN.exec(at) ?? [];
  if (hours === undefined || minutes === undefined) throw new Error(`not a time of day: ${at}`);
  const numbers = [...new Set(days.map((day) => WEEKDAYS.indexOf(day)))].sort((a, b) => a - b);
  return `${Number(minutes)} ${Number(hours)} * * ${numbers.join(',')}`;
}

/** Why a cron expression is not accepted, or undefined. Five fields only: minute hour day month weekday. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5)
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  try {
    new Cron(expression, { paused: true });
    return undefined;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, '');
  }
}

/** Whether `timeZone` is an IANA time zone name this runtime knows (`UTC` included). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export interface RecurringWindow {
  /** Five-field cron, evaluated in `timeZone`. */
  cron: string;
  /** IANA name. */
  timeZone: string;
  durationMs: number;
}

export interface WindowSpan {
  start: Date;
  end: Date;
}

/**
 * The occurrence that covers `now` (start <= now < end), if any: the first start after
 * `now - duration` is that occurrence exactly when it is not after `now`. Windows longer than the
 * gap between starts overlap; the earliest covering one is returned.
 */
export function windowAt(window: RecurringWindow, now: Date): WindowSpan | undefined {
  const start = nextStart(window, new Date(now.getTime() - window.durationMs));
  if (!start || start.getTime() > now.getTime()) return undefined;
  return { start, end: new Date(start.getTime() + window.durationMs) };
}

/** The first start strictly after `after`. */
export function nextStart(window: RecurringWindow, after: Date): Date | undefined {
  const cron = new Cron(window.cron, { paused: true, timezone: window.timeZone });
  // croner's next run is strictly after the reference: a start exactly one duration ago has ended.
  return cron.nextRun(after) ?? undefined;
}
