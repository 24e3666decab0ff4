import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';

/**
 * GET `path` now and every `everyMs` after the last answer (never two at once): the board sees a
 * change within about a second without a reload. `error` holds the last failure until one succeeds;
 * `notFound` says that failure was a 404 (a page of something that does not exist).
 */
export function usePoll<T>(
  path: string,
  everyMs: number,
): { data: T | undefined; error: string; notFound: boolean; refresh: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState('');
  const [notFound, setNotFound] = useState(false);
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
        setNotFound(false);
      } catch (err) {
        if (stopped) return;
        setError((err as Error).message);
        setNotFound(err instanceof ApiError && err.status === 404);
      }
      if (!stopped) timer = setTimeout(run, everyMs);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [path, everyMs, tick]);
  return { data, error, notFound, refresh: () => setTick((t) => t + 1) };
}
