import { ConfigError } from '@portwarden/common/errors';
import { describe, expect, it } from 'vitest';
import { splitWindowsCommandLine } from '../system/testing/windows-argv.js';
import { servicePaths } from './paths.js';
import { parseAccount, renderWinswXml } from './winsw.js';

const AGENT = 'C:\\Program Files\\Portwarden\\portwarden-agent.exe';

describe('the WinSW config', () => {
  it('runs the agent with the env file and state directory, rolls logs, restarts on failure', () => {
    expect(renderWinswXml({ agentExe: AGENT, paths: servicePaths('C:\\ProgramData\\Portwarden') })).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by portwarden-agent service install and by the MSI (agent/src/service/winsw.ts). -->
<service>
    <id>PortwardenAgent</id>
    <name>Portwarden Agent</name>
    <description>Runs the Portwarden port and firewall checks on this server and streams the results to the Portwarden controller.</description>
    <executable>C:\\Program Files\\Portwarden\\portwarden-agent.exe</executable>
    <arguments>--environment-file &quot;C:\\ProgramData\\Portwarden\\agent.env&quot; --state-dir &quot;C:\\ProgramData\\Portwarden&quot;</arguments>
    <startmode>Automatic</startmode>
    <logpath>C:\\ProgramData\\Portwarden\\logs</logpath>
    <log mode="roll-by-size">
        <sizeThreshold>10240</sizeThreshold>
        <keepFiles>8</keepFiles>
    </log>
    <stoptimeout>15 sec</stoptimeout>
    <stopparentprocessfirst>true</stopparentprocessfirst>
    <onfailure action="restart" delay="10 sec"/>
    <onfailure action="restart" delay="10 sec"/>
    <onfailure action="restart" delay="10 sec"/>
    <resetfailure>1 day</resetfailure>
</service>
`,
    );
  });

  it.each([
    [
      'spaces',
      'D:\\Portwarden State',
      ['--environment-file', 'D:\\Portwarden State\\agent.env', '--state-dir', 'D:\\Portwarden State'],
    ],
    // The root's backslash is doubled, or it would escape the closing quote.
    ['a drive root', 'E:\\', ['--environment-file', 'E:\\agent.env', '--state-dir', 'E:\\']],
    [
      'a trailing backslash and forward slashes',
      'D:/pw/state\\',
      ['--environment-file', 'D:\\pw\\state\\agent.env', '--state-dir', 'D:\\pw\\state'],
    ],
  ])('gives the agent its arguments back intact for a state directory with %s', (_, stateDir, argv) => {
    const config = renderWinswXml({ agentExe: AGENT, paths: servicePaths(stateDir) });
    const args = unescape(/<arguments>(.*)<\/arguments>/.exec(config)![1]!);
    expect(splitWindowsCommandLine(`portwarden-agent.exe ${args}`).slice(1)).toEqual(argv);
  });

  it('escapes XML and names the account without a password', () => {
    const config = renderWinswXml({
      agentExe: 'C:\\R&D <x>\\portwarden-agent.exe',
      paths: servicePaths("C:\\R&D's"),
      account: { domain: 'CORP', user: 'svc&pw' },
    });
    expect(config).toContain('<executable>C:\\R&amp;D &lt;x&gt;\\portwarden-agent.exe</executable>');
    expect(config).toContain('<logpath>C:\\R&amp;D&apos;s\\logs</logpath>');
    expect(config).toContain(
      '    <serviceaccount>\n        <domain>CORP</domain>\n        <user>svc&amp;pw</user>\n        <allowservicelogon>true</allowservicelogon>\n    </serviceaccount>\n</service>\n',
    );
    expect(config).not.toContain('<password>');
  });
});

describe('service accounts', () => {
  it.each([
    ['CORP\\svc-pw', { domain: 'CORP', user: 'svc-pw' }],
    ['.\\svc-pw', { domain: '.', user: 'svc-pw' }],
    ['svc-pw', { domain: '.', user: 'svc-pw' }],
    ['NT AUTHORITY\\NetworkService', { domain: 'NT AUTHORITY', user: 'NetworkService' }],
    ['LocalSystem', undefined],
    ['localsystem', undefined],
  ])('reads %s', (name, account) => {
    expect(parseAccount(name)).toEqual(account);
  });

  it.each(['svc@corp.example', 'a\\b\\c', '\\svc', 'CORP\\', 'a%USERNAME%'])('refuses %s', (name) => {
    expect(() => parseAccount(name)).toThrow(ConfigError);
  });
});

function unescape(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
