import { useState } from 'preact/hooks';

/**
 * A change sent to the API from a button or form: `run` clears the last failure, awaits the
 * action, then calls `after` (a list's refresh); a failure stays as one line until the next try.
 */
export function useAction(after?: () => void): {
  failure: string;
  run: (action: () => Promise<void>) => Promise<void>;
} {
  const [failure, setFailure] = useState('');
  const run = async (action: () => Promise<void>) => {
    setFailure('');
    try {
      await action();
      after?.();
    } catch (err) {
      setFailure((err as Error).message);
    }
  };
  return { failure, run };
}
