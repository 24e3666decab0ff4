import { describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { createStopStack } from './stop-stack.js';

describe('createStopStack', () => {
  it('stops the last started first, each after the previous one finished', async () => {
    const log: string[] = [];
    const stack = createStopStack(silentLogger());
    for (const name of ['database', 'controller', 'agent']) {
      stack.push(name, async () => {
        log.push(`${name} stopping`);
        await Promise.resolve();
        log.push(`${name} stopped`);
      });
    }
    expect(await stack.stopAll()).toBe(true);
    expect(log).toEqual([
      'agent stopping',
      'agent stopped',
      'controller stopping',
      'controller stopped',
      'database stopping',
      'database stopped',
    ]);
  });

  it('still stops the rest when one fails, and reports it', async () => {
    const stopped: string[] = [];
    const stack = createStopStack(silentLogger());
    stack.push('database', async () => void stopped.push('database'));
    stack.push('controller', async () => {
      throw new Error('port stuck');
    });
    stack.push('agent', async () => void stopped.push('agent'));
    expect(await stack.stopAll()).toBe(false);
    expect(stopped).toEqual(['agent', 'database']);
  });

  it('stops each component once, however often it is asked', async () => {
    let stops = 0;
    const stack = createStopStack(silentLogger());
    stack.push('agent', async () => void (stops += 1));
    const [first, second] = await Promise.all([stack.stopAll(), stack.stopAll()]);
    expect([first, second, await stack.stopAll()]).toEqual([true, true, true]);
    expect(stops).toBe(1);
  });
});
