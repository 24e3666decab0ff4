import { PortwardenError } from '@portwarden/common/errors';

/** dpkg-deb is not on this machine (or not where it was said to be). */
export class DpkgDebMissingError extends PortwardenError {
  constructor(file: string, options?: ErrorOptions) {
    super(
      'dpkg-deb-missing',
      `cannot run ${file}: not found`,
      'install dpkg (apt-get install dpkg), or build the .deb on Debian or Ubuntu',
      options,
    );
  }
}

/** dpkg-deb ran and refused the package tree; its own message says why. */
export class DpkgDebFailedError extends PortwardenError {
  constructor(exitCode: number | null, stderr: string) {
    super(
      'dpkg-deb-failed',
      `dpkg-deb --build exited ${exitCode ?? 'by a signal'}: ${stderr.trim().split('\n')[0] ?? ''}`,
      'the staged package tree is wrong: fix the file or mode dpkg-deb names in deploy/src/package/deb.ts',
    );
  }
}
