import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

/**
 * GET `path` now and every `everyMs` after the last answer (never two at once): the board sees a
 * change within about a second without a reload. `error` holds the last failure until one succeeds.
 */
export function usePoll<T>(
  path: string,
  everyMs: number,
): { data: T | undefined; error: string; refresh: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const answer = await api<T>(path);
        if (stopped) return;
        setData(answer);
        setError('');
      } catch (err) {
        if (!stopped) setError((err as Error).message);
      }
      if (!stopped) timer = setTimeout(run, everyMs);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [path, everyMs, tick]);
  return { data, error, refresh: () => setTick((t) => t + 1) };
}
