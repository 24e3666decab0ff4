import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@portwarden/common/logger';
import type { Deliver, DeliveryOutcome, DeliveryRequest } from '../deliver.js';
import { createRecorder, type Recorder } from './recorder.js';

export interface ObservedOutcome {
  request: DeliveryRequest;
  outcome: DeliveryOutcome;
}

/** Wraps the pipeline so that a test can wait for its outcomes. */
export function observeDeliver(deliver: Deliver): { deliver: Deliver; outcomes: Recorder<ObservedOutcome> } {
  const outcomes = createRecorder<ObservedOutcome>();
  return {
    outcomes,
    deliver: async (request) => {
      const outcome = await deliver(request);
      outcomes.push({ request, outcome });
      return outcome;
    },
  };
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A real pino logger whose lines a test can read back. */
export function captureLogger(level = 'debug'): { logger: Logger; lines: Recorder<LogLine> } {
  const lines = createRecorder<LogLine>();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  return { logger: createLogger({ name: 'test', level, destination }), lines };
}
