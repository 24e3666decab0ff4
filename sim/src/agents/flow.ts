/**
 * The agent's flow control, as the real agent applies it (issue 13): at most WINDOW results
 * messages unacknowledged per stream; what finishes while the window is full waits and goes out
 * together, at most MAX_BATCH results per message, when an ack frees the window. So an overloaded
 * controller makes agents batch instead of buffering their backlog.
 */
export const WINDOW = 2;

/** At most this many results per ResultBatch, as agent/src/link/link.ts (MAX_BATCH). */
export const MAX_BATCH = 500;

/**
 * The sizes of the messages to send now: `waiting` results queued, `inflight` messages
 * unacknowledged. Each free slot of the window takes up to `maxBatch` results, oldest first.
 */
export function batchesToSend(
  waiting: number,
  inflight: number,
  window = WINDOW,
  maxBatch = MAX_BATCH,
): number[] {
  const sizes: number[] = [];
  let left = waiting;
  for (let slot = inflight; slot < window && left > 0; slot++) {
    const size = Math.min(left, maxBatch);
    sizes.push(size);
    left -= size;
  }
  return sizes;
}
