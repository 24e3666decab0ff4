import { rulesFileProblem } from '../../../system/validate.js';
import type { LinuxTool } from '../../../system/tools.js';
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
import { readRules, unreadable } from './files.js';

export const IPTABLES = { list: ['-S', 'INPUT'] } as const;

/** What iptables-nft prints (on stderr) when the legacy backend also holds tables. */
export const LEGACY_TABLES_WARNING = 'iptables-legacy tables present';

const RESTORE: Record<'auto' | 'nft' | 'legacy', LinuxTool> = {
  auto: 'iptables-restore',
  nft: 'iptables-nft-restore',
  legacy: 'iptables-legacy-restore',
};

/**
 * iptables, both backends: the nf_tables one is read first (reading it changes nothing); the
 * legacy one only when iptables-nft says it holds tables, because listing it loads its kernel
 * modules. On when either backend's INPUT chain drops. Re-enabled with iptables-restore fed the
 * configured rules file on stdin.
 */
export function createIptablesProvider(ctx: ProviderContext): FirewallProvider {
  const status = async (): Promise<FirewallStatus> => {
    const reads = await readBackends(ctx);
    const filtering = reads.filter((r) => r.verdict.state === 'on');
    const state: ProfileState = filtering.length > 0 ? 'on' : 'off';
    const detail = reads.map((r) => `${r.backend}: ${r.verdict.detail}`).join('; ');
    return { provider: 'iptables', profiles: [{ profile: 'host', state, detail }], notes: [] };
  };
  return {
    name: 'iptables',
    detect: async () =>
      detectByStatus(
        (await ctx.locate('iptables-nft')) ?? (await ctx.locate('iptables')),
        'iptables not found',
        status,
      ),
    status: () => status(),
    async enable() {
      const rules = ctx.options.iptablesRules;
      const problem = rulesFileProblem(rules) ?? (await unreadable(rules));
      if (problem)
        return { ok: false, commands: [], detail: `cannot restore the iptables rules: ${problem}` };
      const tool = RESTORE[ctx.options.iptablesBackend];
      const file = await ctx.locate(tool);
      if (!file) return { ok: false, commands: [], detail: `${tool} not found` };
      const { summary } = await runTool(ctx, file, [], { input: await readRules(rules) });
      return enableResult([summary], `${tool} < ${rules}`);
    },
  };
}

interface BackendRead {
  backend: string;
  verdict: { state: ProfileState; detail: string };
}

async function readBackends(ctx: ProviderContext): Promise<BackendRead[]> {
  const read = async (backend: string, file: string) => {
    const { result, summary } = await runTool(ctx, file, IPTABLES.list);
    if (!succeeded(result)) throw new ProviderUnavailableError(failure(summary));
    const read: BackendRead = { backend, verdict: iptablesVerdict(result.stdout.toString('utf8')) };
    return { read, legacyPresent: result.stderr.toString('utf8').includes(LEGACY_TABLES_WARNING) };
  };
  const nftBackend = await ctx.locate('iptables-nft');
  if (!nftBackend) {
    const plain = await ctx.locate('iptables');
    if (!plain) throw new ProviderUnavailableError('iptables not found');
    return [(await read('iptables', plain)).read];
  }
  const first = await read('nf_tables', nftBackend);
  const legacy = first.legacyPresent ? await ctx.locate('iptables-legacy') : undefined;
  return legacy ? [first.read, (await read('legacy', legacy)).read] : [first.read];
}

/**
 * `iptables -S INPUT`: on when the policy is DROP, or the last rule drops or rejects everything
 * (`-A INPUT -j DROP`, `-A INPUT -j REJECT --reject-with ...`, a comment allowed).
 */
export function iptablesVerdict(text: string): { state: ProfileState; detail: string } {
  const lines = text.split('\n').map((l) => l.trim());
  const policy = /^-P INPUT (\S+)/.exec(lines.find((l) => l.startsWith('-P INPUT ')) ?? '')?.[1];
  if (policy === undefined) throw new ProviderUnavailableError(`no INPUT policy in: ${text.slice(0, 80)}`);
  if (policy === 'DROP') return { state: 'on', detail: 'INPUT policy DROP' };
  const last = lines.filter((l) => l.startsWith('-A INPUT ')).at(-1);
  const bare = last?.replace(/ -m comment --comment ("[^"]*"|\S+)/, '');
  const target = /^-A INPUT -j (DROP|REJECT)( --reject-with \S+)?$/.exec(bare ?? '')?.[1];
  if (target) return { state: 'on', detail: `INPUT policy ${policy}, final rule -j ${target}` };
  return { state: 'off', detail: `INPUT policy ${policy}, no final DROP or REJECT rule` };
}
