import {
  credentials,
  Server,
  ServerCredentials,
  status,
  type ServerDuplexStream,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import {
  AgentServiceClient,
  AgentServiceService,
  Check,
  PortCheck,
  type ConnectRequest,
  type ConnectResponse,
} from '@portwarden/proto/agent/v1';
import { Counters } from './counters.js';
import { SimAgent, type AgentContext } from './sim-agent.js';

type Stream = ServerDuplexStream<ConnectRequest, ConnectResponse>;

const CHECK = Check.fromPartial({
  id: 'svc',
  name: 'svc',
  intervalMs: 1000,
  enabled: true,
  kind: { $case: 'port', value: PortCheck.fromPartial({ host: '127.0.0.1', port: 1 }) },
  failuresBeforeAlert: 1,
});

/**
 * A controller of the test's own on loopback: each stream gets a config after its hello, and the
 * test sees every stream and the seqs of every results message that came on it.
 */
class FakeController {
  readonly streams: { call: Stream; seqs: number[][] }[] = [];
  private readonly server = new Server();
  port = 0;

  async start(): Promise<this> {
    this.server.addService(AgentServiceService as unknown as ServiceDefinition, {
      connect: (call: Stream) => {
        const stream = { call, seqs: [] as number[][] };
        this.streams.push(stream);
        call.on('data', (message: ConnectRequest) => {
          const body = message.body;
          if (body?.$case === 'hello')
            call.write({ body: { $case: 'config', value: { revision: 1, config: { checks: [CHECK] } } } });
          if (body?.$case === 'results') stream.seqs.push(body.value.results.map((r) => r.seq));
        });
        call.on('error', () => {});
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    return this;
  }

  ack(stream: number, upToSeq: number): void {
    this.streams[stream]!.call.write({ body: { $case: 'ack', value: { upToSeq } } });
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

function context(counters: Counters): AgentContext {
  return {
    counters,
    labels: {},
    maxChecks: 1,
    now: () => performance.now(),
    random: () => 0.5,
    failureRate: 0,
    reconnectMs: 20,
    reconnectMaxMs: 100,
    onFirstConfig: () => {},
  };
}

describe('SimAgent across a stream that ends (a replica killed)', () => {
  let controller: FakeController | undefined;
  let client: AgentServiceClient | undefined;
  let agent: SimAgent | undefined;

  afterEach(() => {
    agent?.stop();
    client?.close();
    controller?.stop();
  });

  it('resends what was not acknowledged on the next stream, and tells when it was configured again', async () => {
    controller = await new FakeController().start();
    client = new AgentServiceClient(`127.0.0.1:${controller.port}`, credentials.createInsecure());
    const counters = new Counters();
    agent = new SimAgent('sim-1', client, context(counters));
    agent.connect();
    await until('the first config', () => agent!.configuredAt !== undefined, 5000, 5);
    expect(agent.endedAt).toBeUndefined();

    // Three results: the window (2 messages) takes seqs 1 and 2; 3 waits for an ack.
    for (let i = 0; i < 3; i++) agent.probe(0);
    await until('seqs 1 and 2 sent', () => controller!.streams[0]!.seqs.length === 2, 5000, 5);
    controller.ack(0, 1);
    await until('seq 3 sent', () => controller!.streams[0]!.seqs.length === 3, 5000, 5);
    expect(controller.streams[0]!.seqs).toEqual([[1], [2], [3]]);
    await until('the ack of seq 1', () => counters.acked === 1, 5000, 5);
    expect(agent.unacknowledged).toBe(2);

    // The replica goes away: 2 and 3 are unacknowledged and wait; a result produced meanwhile too.
    controller.streams[0]!.call.emit('error', { code: status.UNAVAILABLE, details: 'replica gone' });
    await until('the stream end', () => agent!.endedAt !== undefined, 5000, 5);
    const endedAt = agent.endedAt!;
    agent.probe(0);

    await until('a second stream', () => controller!.streams.length === 2, 5000, 5);
    await until('the resend', () => controller!.streams[1]!.seqs.flat().length === 3, 5000, 5);
    // Oldest first, as the real agent starts a stream with the lowest seq not acknowledged.
    expect(controller.streams[1]!.seqs.flat()).toEqual([2, 3, 4]);
    await until('configured again', () => agent!.configuredAt !== undefined, 5000, 5);
    expect(agent.configuredAt!).toBeGreaterThan(endedAt);
    expect(agent.helloAt!).toBeGreaterThan(endedAt);

    controller.ack(1, 4);
    await until('everything acknowledged', () => counters.acked === 4, 5000, 5);
    expect(agent.lastSeq).toBe(4);
    expect(agent.unacknowledged).toBe(0);
    expect(counters.offered).toBe(4);
    expect(counters.streamEnds.get('UNAVAILABLE')).toBe(1);
  }, 20_000);
});
