/**
 * How each tool is run and whose CPU and memory count as the tool's. Every tool probes the same
 * banner server; whatever drives a tool (the HTTP client of blackbox_exporter, the request loop of
 * zabbix_agentd, the spawning of check_tcp) runs in the prober child and is reported apart.
 */
import type { Mode, Tool } from './cell/protocol.js';
import type { Machine } from './machine.js';
import { checkTcpArgs, oneRunPeakRssKiB } from './tools/check-tcp.js';
import { startBlackbox } from './tools/blackbox.js';
import type { Service } from './tools/service.js';
import { startZabbix, ZABBIX_MAX_LISTENERS } from './tools/zabbix.js';

export interface Setup {
  settings: Record<string, string>;
  /** A process running beside the prober child whose CPU and memory are the tool's. */
  service?: Service;
  /** Peak RSS when it is not the prober child's own, KiB. */
  peakRssKiB?: number;
  /** Said once under the table. */
  note?: string;
}

export interface ToolPlan {
  tool: Tool;
  label: string;
  /** `own`: the prober child's. `reported`: what the child measured (check_tcp's processes). `service`: Setup.service's. */
  cpu: 'own' | 'reported' | 'service';
  /** Start what this cell needs; the caller stops Setup.service afterwards. */
  setUp(mode: Mode, concurrency: number): Promise<Setup>;
}

export type Plans = Partial<Record<Tool, ToolPlan>>;

interface Context {
  machine: Machine;
  target: { host: string; port: number };
  workDir: string;
}

function checkTcpPlan(bin: string, { target }: Context): ToolPlan {
  const rss = new Map<Mode, number | undefined>();
  return {
    tool: 'check_tcp',
    label: 'check_tcp, a process each',
    cpu: 'reported',
    async setUp(mode) {
      if (!rss.has(mode)) rss.set(mode, oneRunPeakRssKiB(bin, checkTcpArgs(mode, target)));
      const peakRssKiB = rss.get(mode);
      return {
        settings: { bin },
        ...(peakRssKiB && { peakRssKiB }),
        note: 'peak RSS is that of one check_tcp process (GNU time); at concurrency N, N of them are alive',
      };
    },
  };
}

function blackboxPlan(bin: string, { workDir }: Context): ToolPlan {
  return {
    tool: 'blackbox',
    label: 'blackbox_exporter',
    cpu: 'service',
    async setUp() {
      const service = await startBlackbox(bin, workDir);
      return { settings: { port: String(service.port) }, service };
    },
  };
}

function zabbixPlan(bin: string, { workDir }: Context): ToolPlan {
  return {
    tool: 'zabbix',
    label: 'zabbix_agentd, passive',
    cpu: 'service',
    async setUp(mode, concurrency) {
      const service = await startZabbix(bin, workDir, concurrency);
      const check =
        mode === 'connect' ? 'net.tcp.service[tcp]' : 'net.tcp.service[smtp] (expect 220, send QUIT)';
      return {
        settings: { port: String(service.port) },
        service,
        note:
          `${check}; StartAgents=min(N, ${ZABBIX_MAX_LISTENERS}) listener processes, one request at a time ` +
          `each (${ZABBIX_MAX_LISTENERS} is its maximum; beyond, requests wait in the listen backlog)`,
      };
    },
  };
}

const ownProcess = (tool: Tool, label: string): ToolPlan => ({
  tool,
  label,
  cpu: 'own',
  setUp: async () => ({ settings: {} }),
});

/** Plans for the tools asked for; a tool that is not installed gets none (the report says how to install it). */
export function makePlans(tools: readonly Tool[], context: Context): Plans {
  const { checkTcp, blackbox, zabbix } = context.machine.tools;
  const plans: Plans = {
    portwarden: ownProcess('portwarden', 'Portwarden probe'),
    bare: ownProcess('bare', 'bare Node loop'),
    ...(checkTcp.bin && { check_tcp: checkTcpPlan(checkTcp.bin, context) }),
    ...(blackbox.bin && { blackbox: blackboxPlan(blackbox.bin, context) }),
    ...(zabbix.bin && { zabbix: zabbixPlan(zabbix.bin, context) }),
  };
  return Object.fromEntries(tools.filter((tool) => plans[tool]).map((tool) => [tool, plans[tool]])) as Plans;
}
