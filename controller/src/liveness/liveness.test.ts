import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentServiceClient, type ConnectRequest } from '@portwarden/proto/agent/v1';
import { createController, type Controller } from '../controller.js';
import { startReceiver, type Receiver } from '../notify/testing/receiver.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

interface Message {
  status: string;
  alerts: {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
  }[];
}

let db: TestDatabase;
let controller: Controller;
let receiver: Receiver;
let client: AgentServiceClient;
let httpUrl: string;
let admin: TestAdminToken;

beforeAll(async () => {
  [db, receiver, admin] = await Promise.all([createTestDatabase(), startReceiver(), testAdminToken()]);
  controller = createController({
    databaseUrl: db.url,
    adminTokenFile: admin.file,
    grpcListen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dbMaxConnections: 3,
    livenessIntervalMs: 100,
    relayPollMs: 100,
  });
  const started = await controller.start();
  const grpcAddress = started.grpcAddress;
  httpUrl = started.httpUrl;
  await controller.applyPolicy(`
alertGroups: { ops: { channels: [{ webhook: { url: '${receiver.url}/hook' } }] } }
liveness: { after: 1s, alertGroup: ops }
checks: []
`);
  client = new AgentServiceClient(grpcAddress, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await controller?.stop();
  await receiver?.close();
  await db?.drop();
  await admin?.remove();
});

const hello: ConnectRequest = {
  body: {
    $case: 'hello',
    value: {
      name: 'quiet-1',
      labels: { role: 'db' },
      os: 'linux',
      agentVersion: 't',
      configRevision: 0,
      hostname: 'quiet-1.lan',
    },
  },
};

/** Opens a stream, says hello, and resolves once the controller answered with the config. */
function connect() {
  const stream = client.connect();
  const configured = new Promise<void>((resolve) => stream.once('data', () => resolve()));
  stream.on('error', () => {});
  stream.write(hello);
  return { stream, configured };
}

const messages = () => receiver.on('/hook').map((r) => JSON.parse(r.body) as Message);

describe('agent liveness', () => {
  it('opens one "agent unreachable" incident after the configured silence, routed to the policy group', async () => {
    const { stream, configured } = connect();
    await configured;
    const silentSince = Date.now();
    stream.cancel(); // the agent goes away without a word
    await receiver.requests.until((r) => r.length >= 1, 'the unreachable webhook', 10_000);
    expect(Date.now() - silentSince).toBeGreaterThanOrEqual(1000);
    const [message] = messages();
    expect(message!.status).toBe('firing');
    expect(message!.alerts[0]!.labels).toMatchObject({
      alertname: 'PortwardenAgentUnreachable',
      agent: 'quiet-1',
      host: 'quiet-1.lan',
      role: 'db',
    });
    expect(message!.alerts[0]!.labels.port).toBeUndefined();
    expect(message!.alerts[0]!.annotations.summary).toBe('agent quiet-1 unreachable');
  });

  it('resolves it when the agent reconnects, and never opened a second one', async () => {
    const incidents = await fetch(`${httpUrl}/api/v1/incidents`, { headers: admin.headers }).then(
      (r) => r.json() as Promise<{ incidents: { checkId: string; resolvedAt: string | null }[] }>,
    );
    expect(incidents.incidents.map((i) => [i.checkId, i.resolvedAt])).toEqual([['@liveness', null]]);
    const { stream, configured } = connect();
    await configured;
    await receiver.requests.until((r) => r.length >= 2, 'the resolved webhook', 10_000);
    const resolved = messages()[1]!;
    expect(resolved.status).toBe('resolved');
    expect(resolved.alerts[0]!.startsAt).toBe(messages()[0]!.alerts[0]!.startsAt);
    expect(receiver.requests.items).toHaveLength(2);
    stream.cancel();
  });
});
