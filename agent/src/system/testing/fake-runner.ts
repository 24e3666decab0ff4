import { isDeepStrictEqual } from 'node:util';
import type { Command, CommandResult, CommandRunner } from '../runner.js';
import type { Locate, ToolName } from '../tools.js';
import { checkCommand } from '../validate.js';

/** What a faked program "prints". Defaults: exit 0, no output. */
export interface FakeOutput {
  exitCode?: number | null;
  stdout?: string | Buffer;
  stderr?: string | Buffer;
  timedOut?: boolean;
  spawnError?: string;
}

export interface FakeRunner {
  /** The CommandRunner to hand to the code under test. */
  run: CommandRunner;
  /** Every command issued, in order. */
  readonly calls: Command[];
  /** `[file, ...args]` of every command issued, in order: what tests assert. */
  argv(): string[][];
  /**
   * Answers an exact command with these outputs, one per call, the last one repeated. A command
   * nobody scripted rejects with an error naming it.
   */
  on(file: string, args: readonly string[], ...outputs: FakeOutput[]): FakeRunner;
}

/** A runner for tests: exact commands mapped to recorded outputs; nothing is ever executed. */
export function createFakeRunner(platform: NodeJS.Platform = 'linux'): FakeRunner {
  const scripts: { file: string; args: readonly string[]; outputs: FakeOutput[]; used: number }[] = [];
  const calls: Command[] = [];
  const fake: FakeRunner = {
    calls,
    argv: () => calls.map((c) => [c.file, ...c.args]),
    on(file, args, ...outputs) {
      scripts.push({ file, args: [...args], outputs: outputs.length ? outputs : [{}], used: 0 });
      return fake;
    },
    run: async (cmd) => {
      checkCommand(cmd, platform);
      calls.push(cmd);
      const script = scripts.find((s) => s.file === cmd.file && isDeepStrictEqual(s.args, [...cmd.args]));
      if (!script) throw new Error(`unexpected command: ${JSON.stringify([cmd.file, ...cmd.args])}`);
      const output = script.outputs[Math.min(script.used++, script.outputs.length - 1)]!;
      return toResult(output);
    },
  };
  return fake;
}

function toResult(output: FakeOutput): CommandResult {
  const result: CommandResult = {
    exitCode: output.spawnError ? null : output.exitCode === undefined ? 0 : output.exitCode,
    signal: output.timedOut ? 'SIGKILL' : null,
    stdout: Buffer.from(output.stdout ?? ''),
    stderr: Buffer.from(output.stderr ?? ''),
    timedOut: output.timedOut ?? false,
    durationMs: 1,
  };
  return output.spawnError ? { ...result, spawnError: output.spawnError } : result;
}

/** A locator that knows exactly these tools. */
export function fakeLocate(tools: Partial<Record<ToolName, string>>): Locate {
  return async (tool) => tools[tool];
}
