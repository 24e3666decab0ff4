/**
 * Test helpers shared by every package's tests. No I/O of their own.
 */

/**
 * Waits until `probe` returns a truthy value, asking again every `everyMs`: for state in another
 * process or behind an API, where no event reaches the test.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * A "billion laughs" policy: anchors nine levels deep, each level nine aliases of the one before,
 * 387 million nodes once expanded. The aliases start on line 2.
 */
export function yamlAliasBomb(): string {
  const levels = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 9; i++)
    levels.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${levels.join('\n')}\nchecks: []\n`;
}
