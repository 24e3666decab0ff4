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
