import { EventEmitter } from 'node:events';
import { Metadata, Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  AgentServiceService,
  type AgentConfig,
  type ConfigAck,
  type ConnectRequest,
  type ConnectResponse,
  type GapReport,
  type Heartbeat,
  type Hello,
  type Result,
  type TestResult,
} from '@portwarden/proto/agent/v1';

type Stream = ServerDuplexStream<ConnectRequest, ConnectResponse>;

export interface FakeControllerOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** Pushed to every agent right after its Hello. */
  config?: { revision: number; config: AgentConfig };
  /** Ack every batch as soon as it arrives. @default true */
  autoAck?: boolean;
  /** Ack every gap report as soon as it arrives. @default true */
  autoAckGaps?: boolean;
}

/**
 * A stand-in for the controller's gRPC side, on 127.0.0.1: records everything agents send, in
 * arrival order, and lets a test wait for a condition instead of sleeping.
 */
export class FakeController {
  readonly hellos: Hello[] = [];
  readonly results: Result[] = [];
  readonly batches: Result[][] = [];
  readonly configAcks: ConfigAck[] = [];
  readonly heartbeats: Heartbeat[] = [];
  readonly gaps: GapReport[] = [];
  readonly testResults: TestResult[] = [];
  readonly streams = new Set<Stream>();
  private readonly events = new EventEmitter();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: FakeControllerOptions,
  ) {}

  static async start(options: FakeControllerOptions = {}): Promise<FakeController> {
    const server = new Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${options.port ?? 0}`, ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      ),
    );
    const fake = new FakeController(server, port, options);
    server.addService(AgentServiceService, { connect: (stream: Stream) => fake.accept(stream) });
    return fake;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Resolves once `condition` holds, checked now and after every message and stream change. */
  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.events.off('change', check);
        resolve();
      };
      this.events.on('change', check);
    });
  }

  ack(upToSeq: number): void {
    for (const stream of this.streams) stream.write({ body: { $case: 'ack', value: { upToSeq } } });
  }

  /** Asks every connected agent to run a check now ("test now"). */
  test(requestId: string, checkId: string): void {
    for (const stream of this.streams)
      stream.write({ body: { $case: 'test', value: { requestId, checkId } } });
  }

  push(revision: number, config: AgentConfig): void {
    for (const stream of this.streams)
      stream.write({ body: { $case: 'config', value: { revision, config } } });
  }

  /** Drops every stream and stops listening, as a crashed controller would. */
  async close(): Promise<void> {
    this.server.forceShutdown();
    this.streams.clear();
  }

  private accept(stream: Stream): void {
    this.streams.add(stream);
    // Headers at once, as a real controller's first push would send them: the agent sees it is connected.
    stream.sendMetadata(new Metadata());
    stream.on('data', (request: ConnectRequest) => this.receive(stream, request));
    const forget = () => {
      this.streams.delete(stream);
      this.events.emit('change');
    };
    stream.on('error', forget);
    stream.on('end', () => {
      stream.end();
      forget();
    });
    this.events.emit('change');
  }

  private receive(stream: Stream, request: ConnectRequest): void {
    const body = request.body;
    if (body?.$case === 'hello') {
      this.hellos.push(body.value);
      const push = this.options.config;
      if (push) stream.write({ body: { $case: 'config', value: push } });
    } else if (body?.$case === 'results') {
      this.batches.push(body.value.results);
      this.results.push(...body.value.results);
      const last = body.value.results.at(-1);
      if (last && this.options.autoAck !== false)
        stream.write({ body: { $case: 'ack', value: { upToSeq: last.seq } } });
    } else if (body?.$case === 'configAck') this.configAcks.push(body.value);
    else if (body?.$case === 'heartbeat') this.heartbeats.push(body.value);
    else if (body?.$case === 'gap') {
      this.gaps.push(body.value);
      if (this.options.autoAckGaps !== false)
        stream.write({ body: { $case: 'gapAck', value: { id: body.value.id } } });
    } else if (body?.$case === 'testResult') this.testResults.push(body.value);
    this.events.emit('change');
  }
}
