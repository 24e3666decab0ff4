import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRebootGuard,
  decideReboot,
  REBOOT_GUARD_DEFAULTS,
  REBOOT_GUARD_FILE,
  type RebootGuardState,
  type RebootRequest,
} from './guard.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 0, 15, 12);
const ok: RebootRequest = { nowUnixMs: NOW, uptimeMs: 2 * HOUR, gpo: 'none' };
const state = (...hoursAgo: number[]): RebootGuardState => ({
  version: 1,
  reboots: hoursAgo.map((h) => NOW - h * HOUR),
});

describe('decideReboot', () => {
  it.each([
    // why each case matters, in one line
    ['no reboot yet: allowed', state(), ok, true],
    ['one reboot 23 h ago, max 1 per 24 h: held back', state(23), ok, 'max-reboots'],
    ['one reboot 25 h ago: outside the window, allowed', state(25), ok, true],
    ['a reboot "in the future" (clock went back) still counts', state(-2), ok, 'max-reboots'],
    [
      'up 10 min, minUptime 30 min: held back (a fresh boot must not reboot again)',
      state(),
      { ...ok, uptimeMs: 10 * 60_000 },
      'min-uptime',
    ],
    ['Group Policy override: never', state(), { ...ok, gpo: 'override' }, 'gpo-override'],
    ['Group Policy not ruled out: never in doubt', state(), { ...ok, gpo: 'unknown' }, 'gpo-unknown'],
    ['state file unreadable: held back until it can be read', 'unreadable', ok, 'state-unreadable'],
  ] as const)('%s', (_why, current, request, expected) => {
    const decision = decideReboot(current, request, REBOOT_GUARD_DEFAULTS);
    if (expected === true) expect(decision.allowed).toBe(true);
    else expect(decision).toMatchObject({ allowed: false, why: expected });
  });

  it('allows maxReboots within the window, then holds back', () => {
    const options = { ...REBOOT_GUARD_DEFAULTS, maxReboots: 2 };
    expect(decideReboot(state(5), ok, options)).toEqual({
      allowed: true,
      detail: 'reboot 2 of at most 2 within 24 h',
    });
    expect(decideReboot(state(5, 1), ok, options)).toEqual({
      allowed: false,
      why: 'max-reboots',
      detail: `2 reboot(s) within 24 h, the last at ${new Date(NOW - HOUR).toISOString()}; maxReboots is 2`,
    });
    expect(decideReboot(state(), ok, { ...options, maxReboots: 0 })).toMatchObject({
      allowed: false,
      why: 'max-reboots',
    });
  });
});

describe('the reboot guard on disk', () => {
  let dir: string;
  let now: number;
  const guard = () =>
    createRebootGuard({ dir, options: REBOOT_GUARD_DEFAULTS, now: () => now, uptimeMs: () => 2 * HOUR });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pw-guard-'));
    now = NOW;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('suppresses the second reboot within the window, also after the agent restarts', async () => {
    expect(await guard().request('none')).toMatchObject({ allowed: true });
    expect(JSON.parse(await readFile(path.join(dir, REBOOT_GUARD_FILE), 'utf8'))).toEqual({
      version: 1,
      reboots: [NOW],
    });

    // The server rebooted, the agent starts again with a fresh guard: the file remembers.
    now = NOW + 2 * HOUR;
    expect(await guard().request('none')).toMatchObject({ allowed: false, why: 'max-reboots' });

    now = NOW + 25 * HOUR;
    expect(await guard().request('none')).toMatchObject({ allowed: true });
    expect(JSON.parse(await readFile(path.join(dir, REBOOT_GUARD_FILE), 'utf8')).reboots).toEqual([
      NOW + 25 * HOUR,
    ]);
  });

  it('gives the last reboot to one of two checks asking at once', async () => {
    const shared = guard();
    const decisions = await Promise.all([shared.request('none'), shared.request('none')]);
    expect(decisions.map((d) => d.allowed).sort()).toEqual([false, true]);
  });

  it('writes nothing when it holds a reboot back', async () => {
    expect(await guard().request('override')).toMatchObject({ allowed: false, why: 'gpo-override' });
    expect(await guard().read()).toEqual({ version: 1, reboots: [] });
  });

  it('holds every reboot back while its file is corrupt', async () => {
    await writeFile(path.join(dir, REBOOT_GUARD_FILE), '{"version":1,"reboots":[');
    expect(await guard().request('none')).toMatchObject({ allowed: false, why: 'state-unreadable' });
  });
});
