import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './bundle.js';

// No PowerShell runs here (Debian has none), so deploy/windows/install.ps1 is checked as text:
// the contract it keeps with the agent's `service` command and with the MSI, and the rules it
// must follow. The agent's subcommands are the contract.
const AGENT_SERVICE_COMMANDS = ['install', 'uninstall', 'start', 'stop', 'status', 'configure'];

const script = await readFile(path.join(REPO_ROOT, 'deploy/windows/install.ps1'), 'utf8');
const wxs = await readFile(path.join(REPO_ROOT, 'deploy/windows/portwarden-agent.wxs'), 'utf8');
/** The script without comments, so a word in help text does not count as code. */
const code = script.replace(/<#[\s\S]*?#>/g, '').replace(/^\s*#(?!Requires).*$/gm, '');

describe('install.ps1', () => {
  it('stops on the first error and needs an administrator', () => {
    expect(code).toMatch(/^Set-StrictMode -Version Latest$/m);
    expect(code).toMatch(/^\$ErrorActionPreference = 'Stop'$/m);
    expect(code).toMatch(/^#Requires -RunAsAdministrator$/m);
    // Native programs raise no PowerShell error: every agent call goes through the exit-code check.
    expect(code).toMatch(/if \(\$LASTEXITCODE -ne 0\) \{\s*throw/);
    expect(code.match(/& \$/g)).toHaveLength(1);
  });

  it('takes the documented parameters with the Windows defaults', () => {
    for (const name of ['Exe', 'Controller', 'EnrollToken', 'Name', 'Labels', 'InstallDir', 'StateDir']) {
      expect(code).toMatch(new RegExp(`\\[string\\]\\$${name}\\b`));
    }
    expect(code).toContain('[string]$InstallDir = "$env:ProgramFiles\\Portwarden"');
    expect(code).toContain('[string]$StateDir = "$env:ProgramData\\Portwarden"');
  });

  it('runs service install, then configure, then start, all commands the agent offers', () => {
    const calls = [...code.matchAll(/'service', '([a-z]+)'/g)].map((m) => m[1]);
    expect(calls).toEqual(['install', 'configure', 'start']);
    for (const call of calls) expect(AGENT_SERVICE_COMMANDS).toContain(call);
  });

  it('passes configure the same flags as the MSI, in the same --flag=value form', () => {
    const flags = (text: string) => [...text.matchAll(/(--[a-z-]+)=/g)].map((m) => m[1]).sort();
    const configure = /'service', 'configure',([\s\S]*?)\)/.exec(code)![1]!;
    const msiCommand = /Id="ConfigureAgent"[\s\S]*?ExeCommand="([^"]*)"/.exec(wxs)![1]!;
    expect(flags(configure)).toEqual(flags(msiCommand));
    expect(flags(configure)).toEqual(['--controller', '--enroll-token', '--labels', '--name', '--state-dir']);
  });

  it('stops an installed service before replacing its exe, and copies only a different file', () => {
    const stop = code.indexOf('Stop-Service');
    const copy = code.indexOf('Copy-Item');
    expect(stop).toBeGreaterThan(0);
    expect(copy).toBeGreaterThan(stop);
    expect(code).toContain('Get-FileHash');
  });

  it('downloads nothing', () => {
    for (const download of [
      /Invoke-WebRequest/i,
      /Invoke-RestMethod/i,
      /\biwr\b/i,
      /\birm\b/i,
      /Start-BitsTransfer/i,
      /WebClient/i,
      /\bcurl\b/i,
      /\bwget\b/i,
      /https?:/i,
    ]) {
      expect(code).not.toMatch(download);
    }
  });

  it('has balanced brackets and quotes outside strings and comments', () => {
    expect(unbalanced(code)).toBe('');
  });
});

/** What is left open or closed too often, scanning PowerShell's strings and brackets roughly. */
function unbalanced(text: string): string {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return `unterminated ${c} at ${i}`;
      i = end;
    } else if ('({['.includes(c)) stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return `unmatched ${c} at ${i}`;
  }
  return stack.join('');
}
