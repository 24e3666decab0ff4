import {
  detectByStatus,
  enableResult,
  failure,
  ProviderUnavailableError,
  runTool,
  type FirewallProvider,
  type FirewallStatus,
  type ProfileState,
  type ProviderContext,
} from '../provider.js';

export const FIREWALLD = {
  state: ['--state'],
  start: ['start', 'firewalld'],
} as const;

/** `firewall-cmd --state` exit codes: 0 running, 252 not running; anything else (36: no D-Bus) is not knowledge. */
export function firewalldVerdict(
  exitCode: number | null,
  output: string,
): { state: ProfileState; detail: string } {
  const text = output.trim().split('\n')[0] ?? '';
  if (exitCode === 0) return { state: 'on', detail: `firewall-cmd --state: ${text || 'running'}` };
  if (exitCode === 252) return { state: 'off', detail: `firewall-cmd --state: ${text || 'not running'}` };
  return { state: 'unknown', detail: `firewall-cmd --state exited ${exitCode ?? 'by a signal'}: ${text}` };
}

/** firewalld: `firewall-cmd --state`, re-enabled with `systemctl start firewalld`. */
export function createFirewalldProvider(ctx: ProviderContext): FirewallProvider {
  const status = async (): Promise<FirewallStatus> => {
    const file = await ctx.locate('firewall-cmd');
    if (!file) throw new ProviderUnavailableError('firewall-cmd not found');
    const { result, summary } = await runTool(ctx, file, FIREWALLD.state);
    if (result.spawnError || result.timedOut) throw new ProviderUnavailableError(failure(summary));
    const output = result.stdout.length > 0 ? result.stdout : result.stderr;
    const verdict = firewalldVerdict(result.exitCode, output.toString('utf8'));
    return { provider: 'firewalld', profiles: [{ profile: 'host', ...verdict }], notes: [] };
  };
  return {
    name: 'firewalld',
    detect: async () => detectByStatus(await ctx.locate('firewall-cmd'), 'firewall-cmd not found', status),
    status: () => status(),
    async enable() {
      const systemctl = await ctx.locate('systemctl');
      if (!systemctl) return { ok: false, commands: [], detail: 'systemctl not found' };
      const { summary } = await runTool(ctx, systemctl, FIREWALLD.start);
      return enableResult([summary], 'systemctl start firewalld');
    },
  };
}
