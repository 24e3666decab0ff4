/**
 * Well-known TCP services, the "Monitor this port number" list of the classic Ports tab.
 * `service: smtp` in a policy resolves through this table.
 */
export const WELL_KNOWN_SERVICES = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  dns: 53,
  http: 80,
  pop3: 110,
  nntp: 119,
  imap: 143,
  ldap: 389,
  https: 443,
  smb: 445,
  smtps: 465,
  submission: 587,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  mssql: 1433,
  oracle: 1521,
  mysql: 3306,
  rdp: 3389,
  postgres: 5432,
  winrm: 5985,
  'winrm-https': 5986,
  redis: 6379,
  'http-alt': 8080,
} as const satisfies Record<string, number>;

export type ServiceName = keyof typeof WELL_KNOWN_SERVICES;

export function isServiceName(name: string): name is ServiceName {
  return Object.hasOwn(WELL_KNOWN_SERVICES, name);
}

export function portOfService(name: ServiceName): number {
  return WELL_KNOWN_SERVICES[name];
}
