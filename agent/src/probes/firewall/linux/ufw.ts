import {
  detectByStatus,
  enableResult,
  failure,
  ProviderUnavailableError,
  runTool,
  succeeded,
  type FirewallProvider,
  type FirewallStatus,
  type ProfileState,
  type ProviderContext,
} from '../provider.js';

/** ufw is Python: LANGUAGE wins over LC_ALL in its gettext, so all three ask for untranslated text. */
export const UFW = {
  status: ['status'],
  enable: ['--force', 'enable'],
  env: { LANGUAGE: 'C', LC_ALL: 'C', LANG: 'C' },
} as const;

/** ufw: `ufw status`, re-enabled with `ufw --force enable`. */
export function createUfwProvider(ctx: ProviderContext): FirewallProvider {
  const ufw = async () => {
    const file = await ctx.locate('ufw');
    if (!file) throw new ProviderUnavailableError('ufw not found');
    return file;
  };
  const status = async (): Promise<FirewallStatus> => {
    const { result, summary } = await runTool(ctx, await ufw(), UFW.status, { env: UFW.env });
    if (!succeeded(result)) throw new ProviderUnavailableError(failure(summary));
    return {
      provider: 'ufw',
      profiles: [{ profile: 'host', ...ufwVerdict(result.stdout.toString('utf8')) }],
      notes: [],
    };
  };
  return {
    name: 'ufw',
    detect: async () => detectByStatus(await ctx.locate('ufw'), 'ufw not found', status),
    status: () => status(),
    async enable() {
      const { summary } = await runTool(ctx, await ufw(), UFW.enable, { env: UFW.env });
      return enableResult([summary], 'ufw --force enable');
    },
  };
}

/**
 * ufw's status word, in case the environment did not keep it in English. English and French are
 * from ufw's catalog (French puts a no-break space before the colon); the others are ufw's
 * translations as far as known. An unknown word reads as unknown, never off.
 */
export const UFW_STATES: Record<string, ProfileState> = {
  active: 'on',
  inactive: 'off',
  actif: 'on',
  inactif: 'off',
  aktiv: 'on',
  inaktiv: 'off',
  activo: 'on',
  inactivo: 'off',
  attivo: 'on',
  inattivo: 'off',
  ativo: 'on',
  inativo: 'off',
};

/** The first line of `ufw status`: `Status: active`, `État : inactif`. */
export function ufwVerdict(text: string): { state: ProfileState; detail: string } {
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  const line = first.replace(/[\u00a0\u202f]/g, ' ').trim();
  const word = line.includes(':')
    ? line
        .slice(line.indexOf(':') + 1)
        .trim()
        .toLowerCase()
    : '';
  const state = UFW_STATES[word];
  if (!state) return { state: 'unknown', detail: `ufw printed ${JSON.stringify(line.slice(0, 80))}` };
  return { state, detail: `ufw status: ${word}` };
}
