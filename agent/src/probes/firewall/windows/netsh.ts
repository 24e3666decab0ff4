import { FIREWALL_PROFILES, type FirewallProfile } from '../spec.js';
import {
  enableResult,
  failure,
  ProviderUnavailableError,
  runTool,
  succeeded,
  type CommandSummary,
  type FirewallProvider,
  type GpoStatus,
  type ProfileStatus,
  type ProviderContext,
  type ServiceStatus,
} from '../provider.js';
import { decodeConsole } from './codepage.js';
import {
  parseNetshState,
  parseOemCodePage,
  parseRegEnableFirewall,
  parseScQuery,
  type NetshProfile,
} from './parse.js';

/** Every argument vector the provider runs. */
export const NETSH = {
  show: ['advfirewall', 'show', 'allprofiles', 'state'],
  setAll: ['advfirewall', 'set', 'allprofiles', 'state', 'on'],
  set: (profile: FirewallProfile) => ['advfirewall', 'set', `${profile}profile`, 'state', 'on'],
  scQuery: ['query', 'MpsSvc'],
  scStart: ['start', 'MpsSvc'],
  /** The profiles Group Policy sets (absent key: exit 1, no policy). */
  regPolicy: ['query', 'HKLM\\SOFTWARE\\Policies\\Microsoft\\WindowsFirewall', '/s', '/v', 'EnableFirewall'],
  regCodePage: ['query', 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage', '/v', 'OEMCP'],
} as const;

/** Windows through netsh, sc and reg: the fallback when PowerShell cannot answer. */
export function createNetshProvider(ctx: ProviderContext): FirewallProvider {
  const tool = async (name: 'netsh' | 'sc' | 'reg', args: readonly string[]) => {
    const file = await ctx.locate(name);
    if (!file) throw new ProviderUnavailableError(`${name}.exe not found`);
    return runTool(ctx, file, args);
  };
  let codePage = ctx.options.oemCodePage;
  const decode = async (bytes: Buffer) => {
    if (!codePage && !isUtf8(bytes)) codePage = await readCodePage(tool);
    return decodeConsole(bytes, codePage || 850);
  };
  return {
    name: 'netsh',
    async detect() {
      const file = await ctx.locate('netsh');
      return { found: !!file, active: !!file, detail: file ?? 'netsh.exe not found' };
    },
    async status(profiles) {
      const shown = await tool('netsh', NETSH.show);
      const service = await readService(tool);
      let parsed: NetshProfile[] | undefined;
      let problem = succeeded(shown.result) ? '' : failure(shown.summary);
      if (!problem) {
        try {
          parsed = parseNetshState(await decode(shown.result.stdout));
        } catch (err) {
          problem = `netsh printed something else: ${(err as Error).message}`;
        }
      }
      if (!parsed) {
        if (service.state !== 'stopped') throw new ProviderUnavailableError(problem);
        const unknown = profiles.map((profile) => ({ profile, state: 'unknown' as const, detail: problem }));
        return { provider: 'netsh', profiles: unknown, service, notes: [problem] };
      }
      const statuses = profiles.map((profile): ProfileStatus => {
        const { state, value } = parsed.find((p) => p.profile === profile)!;
        const detail =
          state === 'unknown'
            ? `netsh printed "${value}", a value this agent does not know`
            : `netsh: ${value}`;
        return { profile, state, detail };
      });
      const notes: string[] = [];
      const gpo = statuses.some((p) => p.state !== 'on') ? await readGpo(tool, statuses, notes) : undefined;
      return { provider: 'netsh', profiles: statuses, service, notes, ...(gpo && { gpo }) };
    },
    async enable(profiles) {
      const commands: CommandSummary[] = [];
      const service = await readService(tool);
      if (service.state === 'stopped') commands.push((await tool('sc', NETSH.scStart)).summary);
      const all = FIREWALL_PROFILES.every((p) => profiles.includes(p));
      for (const args of all ? [NETSH.setAll] : profiles.map(NETSH.set)) {
        commands.push((await tool('netsh', args)).summary);
      }
      return enableResult(commands, `netsh set ${profiles.join(', ')} state on`);
    },
  };
}

type Tool = (name: 'netsh' | 'sc' | 'reg', args: readonly string[]) => ReturnType<typeof runTool>;

async function readService(tool: Tool): Promise<ServiceStatus> {
  const { result, summary } = await tool('sc', NETSH.scQuery);
  if (!succeeded(result)) return { name: 'MpsSvc', state: 'unknown', detail: failure(summary) };
  try {
    return { name: 'MpsSvc', state: parseScQuery(result.stdout.toString('latin1')), detail: 'sc query' };
  } catch (err) {
    return { name: 'MpsSvc', state: 'unknown', detail: `sc query: ${(err as Error).message}` };
  }
}

/** A profile Group Policy sets EnableFirewall for is owned by Group Policy. */
async function readGpo(tool: Tool, profiles: ProfileStatus[], notes: string[]): Promise<GpoStatus> {
  const { result, summary } = await tool('reg', NETSH.regPolicy);
  if (result.exitCode === 1 && !result.timedOut) {
    for (const p of profiles) if (p.state !== 'on') p.gpoOverride = false;
    return {
      detail: 'no firewall Group Policy (HKLM\\SOFTWARE\\Policies\\Microsoft\\WindowsFirewall absent)',
    };
  }
  if (!succeeded(result)) {
    notes.push(`Group Policy: ${failure(summary)}`);
    return { detail: 'Group Policy unknown' };
  }
  const set = parseRegEnableFirewall(result.stdout.toString('latin1'));
  for (const p of profiles) if (p.state !== 'on') p.gpoOverride = set.has(p.profile as FirewallProfile);
  const listed = [...set].map(([profile, value]) => `${profile} EnableFirewall=${value}`);
  return {
    detail: listed.length ? `Group Policy sets ${listed.join(', ')}` : 'no EnableFirewall in Group Policy',
  };
}

async function readCodePage(tool: Tool): Promise<number> {
  const { result } = await tool('reg', NETSH.regCodePage);
  try {
    return succeeded(result) ? parseOemCodePage(result.stdout.toString('latin1')) : 0;
  } catch {
    return 0;
  }
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
