/** The acceptance goals of the benchmark issue, and the reference figures it quotes. */

/** Portwarden's probes/s over another tool's, at the same mode and concurrency. */
export const RATE_GOALS = [
  { against: 'check_tcp', label: '× check_tcp', atLeast: 10 },
  { against: 'blackbox', label: '× blackbox', atLeast: 2 },
  { against: 'bare', label: '÷ bare loop', atLeast: 0.7 },
] as const;

export const IDLE_GOALS = { rssMiB: 60, cpuPercentOfCore: 0.1 };

/** Measured by the author "on this machine with the same kind of setup"; printed for context. */
export const REFERENCE = [
  'check_tcp: about 450-500 checks/s on both cores, 3.3 ms of CPU per check (a process each)',
  'blackbox_exporter: about 2,000-2,400 probes/s, 0.7-0.8 ms of CPU per probe',
  'zabbix_agentd: about 0.07 ms of CPU per net.tcp.service check',
  'bare Node loop of net.connect: about 10,000 connects/s (0.10 ms of CPU each), 7,800/s with send/expect',
];

export const ZABBIX_REFERENCE_CPU_MS = 0.07;

export const mark = (ok: boolean) => (ok ? 'PASS' : 'MISS');
