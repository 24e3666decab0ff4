import type { FirewallProfile } from '../spec.js';
import type { ProfileState, ServiceState } from '../provider.js';

/**
 * Parsers of what Windows tools print. They read numbers and positions, never translated words,
 * except where netsh leaves no choice (its on/off values, through a table). Each throws a
 * ParseError when the text is not what the tool prints.
 */
export class ParseError extends Error {}

const PROFILE_NAMES: Record<string, FirewallProfile> = {
  domain: 'domain',
  private: 'private',
  public: 'public',
};

/** `Enabled` of Get-NetFirewallProfile (GpoBoolean): 0 False, 1 True, 2 NotConfigured. */
export interface ProfileEnabled {
  profile: FirewallProfile;
  /** 0, 1 or 2. */
  enabled: number;
}

/** `Get-NetFirewallProfile | ConvertTo-Json`: one profile is an object, several an array. */
export function parseProfilesJson(text: string): ProfileEnabled[] {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new ParseError(`not JSON: ${excerpt(text)}`);
  }
  const items = Array.isArray(value) ? value : [value];
  return items.map((item: unknown) => {
    const record = (item ?? {}) as { Name?: unknown; Enabled?: unknown };
    const profile = PROFILE_NAMES[String(record.Name).toLowerCase()];
    const enabled = gpoBoolean(record.Enabled);
    if (!profile || enabled === undefined)
      throw new ParseError(`unexpected profile ${excerpt(JSON.stringify(item))}`);
    return { profile, enabled };
  });
}

/** Numbers from Windows PowerShell; booleans or names from other serializers, just in case. */
function gpoBoolean(value: unknown): number | undefined {
  if (value === 0 || value === 1 || value === 2) return value;
  if (value === true || value === 'True') return 1;
  if (value === false || value === 'False') return 0;
  if (value === 'NotConfigured') return 2;
  return undefined;
}

/** The effective state a GpoBoolean means in the active store; NotConfigured there is not a state. */
export function activeState(enabled: number): ProfileState {
  return enabled === 1 ? 'on' : enabled === 0 ? 'off' : 'unknown';
}

/** In the local (persistent) store NotConfigured means the Windows default, which is on. */
export function persistentState(enabled: number): ProfileState {
  return enabled === 0 ? 'off' : 'on';
}

/** `Get-Service | Select-Object Name,Status | ConvertTo-Json`: Status 1 Stopped, 4 Running (ServiceControllerStatus). */
export function parseServiceJson(text: string): ServiceState {
  let value: { Status?: unknown };
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, '')) as { Status?: unknown };
  } catch {
    throw new ParseError(`not JSON: ${excerpt(text)}`);
  }
  return serviceState(value?.Status);
}

const SERVICE_STATES: Record<string, ServiceState> = {
  '1': 'stopped',
  '4': 'running',
  Stopped: 'stopped',
  Running: 'running',
};

function serviceState(status: unknown): ServiceState {
  const state = SERVICE_STATES[String(status)];
  if (state) return state;
  if (status === undefined) throw new ParseError('no Status');
  return 'unknown'; // start or stop pending, paused: it is neither filtering for sure nor stopped
}

/**
 * `sc.exe query MpsSvc`, by position: the lines `LABEL : N WORD` are TYPE then STATE (labels are
 * translated, the numbers are not); STATE 1 is STOPPED, 4 RUNNING.
 */
export function parseScQuery(text: string): ServiceState {
  const numbered = text.split(/\r?\n/).flatMap((line) => {
    const match = /:\s+(\d+)\s+[A-Z][A-Z0-9_]*\s*$/.exec(line);
    return match ? [match[1]!] : [];
  });
  const state = numbered[1];
  if (state === undefined) throw new ParseError(`no STATE line in ${excerpt(text)}`);
  return serviceState(state);
}

/** `(New-Object -ComObject HNetCfg.FwPolicy2).LocalPolicyModifyState`: 0 ok, 1 Group Policy override, 2 inbound blocked. */
export function parseLocalPolicyModifyState(text: string): number {
  const value = text.trim();
  if (!/^[0-2]$/.test(value)) throw new ParseError(`not a NET_FW_MODIFY_STATE: ${excerpt(text)}`);
  return Number(value);
}

/**
 * netsh's on/off values by language. Labels and headers are never read: the value is the last
 * word of the line after each dashed rule, and the sections come in the order domain, private,
 * public. English, German and Chinese are from captures (see testdata/README.md); the others are
 * from Microsoft's translations and unverified here. An unknown word reads as unknown, never off.
 */
export const NETSH_VALUES: Record<string, ProfileState> = {
  ON: 'on',
  OFF: 'off',
  EIN: 'on',
  AUS: 'off',
  启用: 'on',
  关闭: 'off',
  ACTIF: 'on',
  INACTIF: 'off',
  ACTIVADO: 'on',
  DESACTIVADO: 'off',
  ATTIVATO: 'on',
  DISATTIVATO: 'off',
  ATIVADO: 'on',
  DESATIVADO: 'off',
};

export interface NetshProfile {
  profile: FirewallProfile;
  state: ProfileState;
  /** The word netsh printed. */
  value: string;
}

/** `netsh advfirewall show allprofiles state`, decoded, by position. */
export function parseNetshState(text: string): NetshProfile[] {
  const lines = text.split(/\r?\n/);
  const values: string[] = [];
  lines.forEach((line, i) => {
    if (!/^-{20,}\s*$/.test(line)) return;
    const next = lines.slice(i + 1).find((l) => l.trim() !== '');
    const value = next?.trim().split(/\s+/).pop();
    if (value) values.push(value);
  });
  if (values.length !== 3) throw new ParseError(`expected 3 profile sections, found ${values.length}`);
  return (['domain', 'private', 'public'] as const).map((profile, i) => {
    const value = values[i]!;
    return { profile, value, state: NETSH_VALUES[value.toUpperCase()] ?? 'unknown' };
  });
}

/**
 * `reg query HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall /s /v EnableFirewall`: the profiles
 * Group Policy sets, with the value it sets. `StandardProfile` is the old name of private.
 */
export function parseRegEnableFirewall(text: string): Map<FirewallProfile, number> {
  const keys: Record<string, FirewallProfile> = {
    domainprofile: 'domain',
    privateprofile: 'private',
    standardprofile: 'private',
    publicprofile: 'public',
  };
  const found = new Map<FirewallProfile, number>();
  let current: FirewallProfile | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^HKEY_/i.test(line)) current = keys[line.trim().split('\\').pop()!.toLowerCase()];
    const value = /^\s+EnableFirewall\s+REG_DWORD\s+0x([0-9a-f]+)\s*$/i.exec(line);
    if (value && current) found.set(current, parseInt(value[1]!, 16));
  }
  return found;
}

/** `reg query HKLM\SYSTEM\CurrentControlSet\Control\Nls\CodePage /v OEMCP`. */
export function parseOemCodePage(text: string): number {
  const match = /^\s+OEMCP\s+REG_SZ\s+(\d+)\s*$/m.exec(text);
  if (!match) throw new ParseError(`no OEMCP value in ${excerpt(text)}`);
  return Number(match[1]);
}

function excerpt(text: string): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 80)}…` : flat);
}
