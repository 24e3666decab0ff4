import type { FirewallProfile } from '../spec.js';
import {
  enableResult,
  failure,
  ProviderUnavailableError,
  runTool,
  succeeded,
  type CommandSummary,
  type FirewallProvider,
  type FirewallStatus,
  type GpoStatus,
  type ProfileStatus,
  type ProviderContext,
  type ServiceStatus,
} from '../provider.js';
import {
  activeState,
  parseLocalPolicyModifyState,
  parseProfilesJson,
  parseServiceJson,
  persistentState,
  type ProfileEnabled,
} from './parse.js';

/** Every PowerShell script the provider runs: constants, or profile names from a closed set. */
export const POWERSHELL = {
  args: ['-NoProfile', '-NonInteractive', '-Command'],
  /** The effective state, Group Policy included; numeric enums, locale-proof. */
  activeStore: 'Get-NetFirewallProfile -PolicyStore ActiveStore | ConvertTo-Json',
  /** The local settings, which Group Policy may override. */
  persistentStore: 'Get-NetFirewallProfile -PolicyStore PersistentStore | ConvertTo-Json',
  localPolicyModifyState: '(New-Object -ComObject HNetCfg.FwPolicy2).LocalPolicyModifyState',
  service: 'Get-Service -Name MpsSvc | Select-Object -Property Name,Status | ConvertTo-Json',
  startService: 'Start-Service -Name MpsSvc -ErrorAction Stop',
  enable: (profiles: readonly FirewallProfile[]) =>
    `Set-NetFirewallProfile -Profile ${profiles.map(capitalize).join(',')} -Enabled True -ErrorAction Stop`,
} as const;

/** Windows, through PowerShell's NetSecurity module: the preferred provider. */
export function createPowerShellProvider(ctx: ProviderContext): FirewallProvider {
  const ps = async (script: string) => {
    const file = await ctx.locate('powershell');
    if (!file) throw new ProviderUnavailableError('powershell.exe not found');
    return runTool(ctx, file, [...POWERSHELL.args, script]);
  };
  const service = () => readService(ps);
  return {
    name: 'powershell',
    async detect() {
      const file = await ctx.locate('powershell');
      return { found: !!file, active: !!file, detail: file ?? 'powershell.exe not found' };
    },
    async status(profiles) {
      const { result, summary } = await ps(POWERSHELL.activeStore);
      let active: ProfileEnabled[] | undefined;
      let problem = succeeded(result) ? '' : failure(summary);
      if (!problem) {
        try {
          active = parseProfilesJson(result.stdout.toString('utf8'));
        } catch (err) {
          problem = `Get-NetFirewallProfile printed something else: ${(err as Error).message}`;
        }
      }
      const mpsSvc = await service();
      if (!active) {
        // With MpsSvc stopped the store may not answer; that is a state, not a broken provider.
        if (mpsSvc.state !== 'stopped') throw new ProviderUnavailableError(problem);
        const unknown = profiles.map((profile) => ({ profile, state: 'unknown' as const, detail: problem }));
        return { provider: 'powershell', profiles: unknown, service: mpsSvc, notes: [problem] };
      }
      const statuses = profiles.map((profile) => profileStatus(profile, active));
      const status: FirewallStatus = {
        provider: 'powershell',
        profiles: statuses,
        service: mpsSvc,
        notes: [],
      };
      if (statuses.some((p) => p.state !== 'on')) status.gpo = await readGpo(ps, statuses, status.notes);
      return status;
    },
    async enable(profiles) {
      const commands: CommandSummary[] = [];
      const mpsSvc = await service();
      if (mpsSvc.state === 'stopped') commands.push((await ps(POWERSHELL.startService)).summary);
      if (profiles.length > 0) commands.push((await ps(POWERSHELL.enable(profiles))).summary);
      return enableResult(commands, `Set-NetFirewallProfile ${profiles.join(', ')}`);
    },
  };
}

type Ps = (script: string) => ReturnType<typeof runTool>;

function profileStatus(profile: FirewallProfile, active: ProfileEnabled[]): ProfileStatus {
  const found = active.find((p) => p.profile === profile);
  if (!found) return { profile, state: 'unknown', detail: 'not in the active store' };
  return {
    profile,
    state: activeState(found.enabled),
    detail: `Enabled=${found.enabled} in the active store`,
  };
}

async function readService(ps: Ps): Promise<ServiceStatus> {
  const { result, summary } = await ps(POWERSHELL.service);
  if (!succeeded(result)) return { name: 'MpsSvc', state: 'unknown', detail: failure(summary) };
  try {
    return { name: 'MpsSvc', state: parseServiceJson(result.stdout.toString('utf8')), detail: 'Get-Service' };
  } catch (err) {
    return { name: 'MpsSvc', state: 'unknown', detail: `Get-Service: ${(err as Error).message}` };
  }
}

/**
 * Group Policy owns a profile that is off when LocalPolicyModifyState is 1 (GP_OVERRIDE), or when
 * the local store says on while the active store says off. Marks those profiles; a profile whose
 * evidence could not be read stays unmarked (unknown), which blocks reboots but not re-enabling.
 */
async function readGpo(ps: Ps, profiles: ProfileStatus[], notes: string[]): Promise<GpoStatus> {
  const modify = await ps(POWERSHELL.localPolicyModifyState);
  const persistent = await ps(POWERSHELL.persistentStore);
  let state: number | undefined;
  let local: ProfileEnabled[] | undefined;
  try {
    if (succeeded(modify.result)) state = parseLocalPolicyModifyState(modify.result.stdout.toString('utf8'));
    else notes.push(`LocalPolicyModifyState: ${failure(modify.summary)}`);
  } catch (err) {
    notes.push(`LocalPolicyModifyState: ${(err as Error).message}`);
  }
  try {
    if (succeeded(persistent.result)) local = parseProfilesJson(persistent.result.stdout.toString('utf8'));
    else notes.push(`persistent store: ${failure(persistent.summary)}`);
  } catch (err) {
    notes.push(`persistent store: ${(err as Error).message}`);
  }
  const findings: string[] = [];
  for (const p of profiles) {
    if (p.state === 'on') continue;
    const stored = local?.find((l) => l.profile === p.profile);
    const storedOn = stored ? persistentState(stored.enabled) === 'on' : undefined;
    if (state === 1 || storedOn === true) p.gpoOverride = true;
    else if (state !== undefined && storedOn === false) p.gpoOverride = false;
    if (storedOn !== undefined) findings.push(`${p.profile} ${storedOn ? 'on' : 'off'} in the local store`);
  }
  const gpo: GpoStatus = {
    detail: [
      state === undefined ? 'LocalPolicyModifyState unknown' : `LocalPolicyModifyState=${state}`,
      ...findings,
    ].join('; '),
  };
  if (state !== undefined) gpo.localPolicyModifyState = state;
  return gpo;
}

function capitalize(profile: FirewallProfile): string {
  return profile[0]!.toUpperCase() + profile.slice(1);
}
