/**
 * How the Microsoft C runtime (2008 and later, and CommandLineToArgvW after argv[0]) splits a
 * command line into argv: whitespace separates; `"` toggles quoting; `""` inside quotes is a
 * literal quote; 2n backslashes before a quote are n backslashes and the quote toggles, 2n+1 are
 * n and a literal quote; other backslashes are literal. argv[0] is read to the next quote, or to
 * the first whitespace, with no escapes. For tests: what a Windows program sees.
 */
export function splitWindowsCommandLine(line: string): string[] {
  let i = 0;
  let program = '';
  if (line[0] === '"') {
    const end = line.indexOf('"', 1);
    program = line.slice(1, end === -1 ? undefined : end);
    i = end === -1 ? line.length : end + 1;
  } else {
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') program += line[i++];
  }
  const args = [program];
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) return args;
    let arg = '';
    let quoted = false;
    while (i < line.length && (quoted || (line[i] !== ' ' && line[i] !== '\t'))) {
      let backslashes = 0;
      while (line[i] === '\\') {
        backslashes++;
        i++;
      }
      if (line[i] === '"') {
        arg += '\\'.repeat(Math.floor(backslashes / 2));
        if (backslashes % 2 === 1) arg += '"';
        else if (quoted && line[i + 1] === '"') {
          arg += '"';
          i++;
        } else quoted = !quoted;
        i++;
      } else {
        arg += '\\'.repeat(backslashes);
        if (i < line.length && (quoted || (line[i] !== ' ' && line[i] !== '\t'))) arg += line[i++];
      }
    }
    args.push(arg);
  }
}
