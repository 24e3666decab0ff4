/**
 * How an argument vector becomes a Windows command line. Windows hands a program one string; the
 * program's C runtime splits it back into argv. The runner spawns with `windowsVerbatimArguments:
 * false`, so Node (libuv's `quote_cmd_arg`) quotes every entry, the program path included, by the
 * rules below, and programs that split with the Microsoft C runtime rules (sc.exe, icacls.exe,
 * taskkill.exe, node.exe) get the vector back unchanged. The agent never quotes arguments itself
 * for the runner; this copy of libuv's rules exists to show, in tests, the exact line a Windows
 * program sees, and to write the `<arguments>` line of the WinSW config, which WinSW passes on
 * as a string.
 */

/** One argument as libuv quotes it: bare when it has no space, tab or quote; else in quotes, with
 * backslashes doubled where they precede a quote or the closing quote, and quotes escaped. */
export function quoteWindowsArg(arg: string): string {
  if (arg === '') return '""';
  if (!/[ \t"]/.test(arg)) return arg;
  if (!/["\\]/.test(arg)) return `"${arg}"`;
  let quoted = '';
  let backslashes = 0;
  for (const char of arg) {
    if (char === '\\') {
      backslashes++;
      continue;
    }
    // Backslashes before a quote are doubled, and the quote escaped; elsewhere they are literal.
    quoted += char === '"' ? `${'\\'.repeat(backslashes * 2 + 1)}"` : `${'\\'.repeat(backslashes)}${char}`;
    backslashes = 0;
  }
  // Before the closing quote they are doubled too, so that it stays a closing quote.
  return `"${quoted}${'\\'.repeat(backslashes * 2)}"`;
}

/** The command line Windows receives when the runner (Node, libuv) spawns `file` with `args`. */
export function windowsCommandLine(file: string, args: readonly string[]): string {
  return [file, ...args].map(quoteWindowsArg).join(' ');
}
