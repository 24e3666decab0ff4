/**
 * The child of the crash test: appends results in a loop, four at a time, and prints each seq once
 * its append has resolved (`<seq>`), and each ack before making it (`ack <seq>`). It never stops
 * by itself; the test kills it with SIGKILL.
 * Usage: node --import tsx append-loop.ts DIR SEGMENT_BYTES
 */
import { openSpool, type ResultRecord } from '../spool.js';

const [dir, segmentBytes] = process.argv.slice(2);
if (!dir || !segmentBytes) throw new Error('usage: append-loop.ts DIR SEGMENT_BYTES');
const spool = await openSpool({ dir, segmentBytes: Number(segmentBytes) });
// On Linux, writes to a pipe are synchronous: a line printed is a line the test will read.
const say = (line: string) => process.stdout.write(`${line}\n`);
say(`open ${spool.lastSeq}`);

const result = (i: number): ResultRecord => ({
  checkId: `check-${i % 5}`,
  startedAtUnixMs: Date.now(),
  outcome: i % 7 === 0 ? 'down' : 'up',
  ...(i % 7 === 0 && { reason: 'refused' as const }),
  detail: 'crash test',
  durationMs: 1,
  timings: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 0, totalMs: 1 },
});

async function appender(worker: number): Promise<never> {
  for (let i = worker; ; i += 4) {
    const { seq } = await spool.append(result(i));
    say(String(seq));
    if (seq % 50 === 0) {
      say(`ack ${seq - 100}`);
      spool.ack(seq - 100);
    }
  }
}

await Promise.all([0, 1, 2, 3].map(appender));
