/** The text of the .deb's metadata: pure functions of the version, sizes and time. */

export const PACKAGE = 'portwarden-agent';

/** The one place a maintainer address lives; a bounce address until the project has a list. */
export const MAINTAINER = 'Portwarden maintainers <maintainers@portwarden.invalid>';

/** Files dpkg treats as the admin's: kept on upgrade and removal, asked about when both changed. */
export const CONFFILES = ['/etc/portwarden/agent.env'];

export interface ControlFields {
  version: string;
  /** Sum of the installed files' sizes in KiB (dpkg's estimate, rounded up per file). */
  installedSizeKib: number;
}

/** DEBIAN/control. Debian's nodejs runs the bundled script; adduser makes the service's user. */
export function controlText(fields: ControlFields): string {
  return [
    `Package: ${PACKAGE}`,
    `Version: ${fields.version}`,
    'Architecture: all',
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${fields.installedSizeKib}`,
    'Depends: adduser, nodejs (>= 20.19)',
    'Section: admin',
    'Priority: optional',
    'Description: Portwarden agent: port and firewall checks for this server',
    " Portwarden monitors a fleet's TCP ports and host firewalls. This agent runs",
    " the checks its controller's policy assigns to this server, keeps the results",
    ' in a local spool while the controller is unreachable, and streams them over',
    ' mutual TLS. It runs as the systemd service portwarden-agent, configured in',
    ' /etc/portwarden/agent.env.',
    '',
  ].join('\n');
}

/** usr/share/doc/<package>/changelog.gz's text: one entry for the version built. */
export function changelogText(template: string, version: string, epochSeconds: number): string {
  return template.replaceAll('@VERSION@', version).replaceAll('@DATE@', rfc2822(epochSeconds));
}

/** `Mon, 07 Dec 2026 06:11:32 +0000`, as Debian changelogs want (UTC, never the local zone). */
export function rfc2822(epochSeconds: number): string {
  // toUTCString is `Mon, 07 Dec 2026 06:11:32 GMT`; Debian wants a numeric zone.
  return new Date(epochSeconds * 1000).toUTCString().replace(/GMT$/, '+0000');
}

/** DEBIAN/md5sums: `<md5>  <path>` for every file but the conffiles (dpkg keeps theirs itself). */
export function md5sumsText(sums: ReadonlyArray<{ path: string; md5: string }>): string {
  return sums
    .filter((s) => !CONFFILES.includes(`/${s.path}`))
    .map((s) => `${s.md5}  ${s.path}\n`)
    .join('');
}
