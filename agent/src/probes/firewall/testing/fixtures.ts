import { readFileSync } from 'node:fs';
import { createFakeRunner, fakeLocate, type FakeRunner } from '../../../system/testing/fake-runner.js';
import type { SystemDeps } from '../../../system/system.js';
import { windowsToolPath } from '../../../system/tools.js';

/** A fixture from testdata/, as the bytes the tool wrote. For tests only. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../testdata/${name}`, import.meta.url));
}

export const WIN = {
  powershell: windowsToolPath('powershell'),
  netsh: windowsToolPath('netsh'),
  sc: windowsToolPath('sc'),
  reg: windowsToolPath('reg'),
  shutdown: windowsToolPath('shutdown'),
};

export const LINUX = {
  nft: '/usr/sbin/nft',
  iptables: '/usr/sbin/iptables',
  'iptables-nft': '/usr/sbin/iptables-nft',
  'iptables-legacy': '/usr/sbin/iptables-legacy',
  'iptables-restore': '/usr/sbin/iptables-restore',
  ufw: '/usr/sbin/ufw',
  'firewall-cmd': '/usr/bin/firewall-cmd',
  systemctl: '/usr/bin/systemctl',
};

/** A fake Windows or Linux system whose runner answers only what the test scripts. */
export function fakeSystem(
  platform: 'win32' | 'linux',
  tools: Partial<typeof WIN & typeof LINUX> = platform === 'win32' ? WIN : LINUX,
): {
  system: SystemDeps;
  fake: FakeRunner;
} {
  const fake = createFakeRunner(platform);
  return { fake, system: { run: fake.run, locate: fakeLocate(tools), platform } };
}
