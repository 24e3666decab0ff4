import { readFile } from 'node:fs/promises';

export { until } from '@portwarden/common/testing';

/** GET with the quick start's admin token, read from its --admin-token-file. */
export async function getJson<T>(url: string, tokenFile: string): Promise<T> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${(await readFile(tokenFile, 'utf8')).trim()}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
