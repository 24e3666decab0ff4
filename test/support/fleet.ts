import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, type Agent, type AgentOptions, type SpooledResult } from '@portwarden/agent/agent';
import { createLogger } from '@portwarden/common/logger';
import { createController, type Controller, type ControllerOptions } from '@portwarden/controller/controller';
import {
  createTestDatabase,
  deleteRedisPrefix,
  TEST_REDIS_URL,
  testRedisPrefix,
  type TestDatabase,
} from '@portwarden/controller/testing';
import { testAdminToken, type TestAdminToken } from '@portwarden/controller/testing/admin-token';

/** Logs go nowhere unless PORTWARDEN_TEST_LOG=debug (or another level) asks for them. */
const logger = () => createLogger({ name: 'e2e', level: process.env.PORTWARDEN_TEST_LOG ?? 'silent' });

/**
 * A controller on a fresh database (and a fresh Redis prefix) plus agents, all in this process,
 * all on loopback. The gRPC port and the Redis prefix stay the same across controller restarts, as
 * a real controller's do; `stop()` removes the database and every key under the prefix.
 */
export class Fleet {
  db!: TestDatabase;
  controller!: Controller;
  grpcAddress = '127.0.0.1:0';
  httpUrl = '';
  /** The controller's admin API token (its --admin-token-file); `auth` is the header to send. */
  admin!: TestAdminToken;
  readonly agents: Agent[] = [];
  /** The controller's Redis key prefix (the test's own when it passes one), with `redis: true`. */
  readonly redisPrefix: string | undefined;
  private readonly stateDirs = new Map<string, string>();

  /** `controller`: options on top of the fleet's own (TLS, limits, a logger). */
  constructor(
    private readonly options: {
      redis: boolean;
      controller?: Partial<ControllerOptions>;
      /** The controller reaches PostgreSQL on this port (a proxy in front of it) instead. */
      dbPort?: number;
    } = { redis: true },
  ) {
    if (options.redis) this.redisPrefix = options.controller?.redisPrefix ?? testRedisPrefix();
  }

  async start(): Promise<this> {
    this.db = await createTestDatabase('pw_e2e');
    this.admin = await testAdminToken();
    await this.startController();
    return this;
  }

  async startController(): Promise<void> {
    this.controller = createController({
      databaseUrl: this.databaseUrl(),
      ...(this.redisPrefix !== undefined && { redisUrl: TEST_REDIS_URL, redisPrefix: this.redisPrefix }),
      grpcListen: this.grpcAddress,
      httpListen: '127.0.0.1:0',
      dbMaxConnections: 4,
      relayPollMs: 200,
      logger: logger().child({ process: 'controller' }),
      adminTokenFile: this.admin.file,
      ...this.options.controller,
    });
    const started = await this.controller.start();
    this.grpcAddress = started.grpcAddress;
    this.httpUrl = started.httpUrl;
  }

  private databaseUrl(): string {
    if (this.options.dbPort === undefined) return this.db.url;
    const url = new URL(this.db.url);
    url.port = String(this.options.dbPort);
    return url.toString();
  }

  /** Starts an agent in this process; an agent added again under the same name keeps its state dir. */
  async addAgent(
    name: string,
    labels: Record<string, string>,
    onResult?: (r: SpooledResult) => void,
    extra: Partial<AgentOptions> = {},
  ): Promise<Agent> {
    const stateDir = this.stateDirs.get(name) ?? (await mkdtemp(join(tmpdir(), `pw-e2e-${name}-`)));
    this.stateDirs.set(name, stateDir);
    const agent = createAgent({
      controllers: [this.grpcAddress],
      name,
      labels,
      stateDir,
      logger: logger().child({ process: name }),
      reconnect: { initialMs: 50, maxMs: 500 },
      ...(onResult && { onResult }),
      ...extra,
    });
    await agent.start();
    this.agents.push(agent);
    return agent;
  }

  /** The state directory of the agent of that name, once added. */
  stateDir(name: string): string | undefined {
    return this.stateDirs.get(name);
  }

  async api<T>(path: string): Promise<T> {
    const response = await fetch(new URL(path, this.httpUrl), { headers: this.auth });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
    return (await response.json()) as T;
  }

  /** `Authorization: Bearer` with the admin token, for requests of the test's own. */
  get auth(): { authorization: string } {
    return this.admin.headers;
  }

  async stop(): Promise<void> {
    for (const agent of this.agents) await agent.stop();
    await this.controller?.stop();
    await this.db?.drop();
    // After the controller: its queue writes nothing once stopped.
    if (this.redisPrefix !== undefined) await deleteRedisPrefix(this.redisPrefix);
    await this.admin?.remove();
    for (const dir of this.stateDirs.values()) await rm(dir, { recursive: true, force: true });
  }
}
