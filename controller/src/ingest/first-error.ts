/**
 * Waits for every promise, then throws the error that came first in time. In a PostgreSQL
 * transaction the first failed statement makes every later one fail with "current transaction is
 * aborted": only the first error says what went wrong (a data error is retried batch by batch,
 * group-commit.ts), and no chain may still be issuing statements when the transaction ends.
 */
export async function allOrFirstError(chains: readonly Promise<unknown>[]): Promise<void> {
  let first: { error: unknown } | undefined;
  await Promise.all(
    chains.map((chain) =>
      chain.catch((error: unknown) => {
        first ??= { error };
      }),
    ),
  );
  if (first) throw first.error;
}
