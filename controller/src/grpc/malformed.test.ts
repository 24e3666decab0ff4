import { credentials, makeGenericClientConstructor, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentServiceService, ConnectRequest } from '@portwarden/proto/agent/v1';
import type { Controller } from '../controller.js';
import { capturedLogger, hello, isConfig, TestAgentClient } from '../enroll/testing/agent-client.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

/** A Connect client that sends bytes as they are, so that a test can send what no encoder makes. */
const RawClient = makeGenericClientConstructor(
  {
    connect: {
      path: AgentServiceService.connect.path,
      requestStream: true,
      responseStream: true,
      requestSerialize: (bytes: Buffer) => bytes,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (bytes: Buffer) => bytes,
      responseDeserialize: (bytes: Buffer) => bytes,
    },
  },
  'AgentService',
);
type RawStream = {
  write(bytes: Buffer): boolean;
  on(event: 'error', listener: (error: ServiceError) => void): void;
  on(event: 'data' | 'end', listener: () => void): void;
};

let db: TestDatabase;
let controller: Controller;
let address: string;
const logs = capturedLogger();
const clients: { close(): void }[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  controller = testController(db.url, { logger: logs.logger });
  ({ grpcAddress: address } = await controller.start());
});

afterAll(async () => {
  for (const client of clients) client.close();
  await controller?.stop();
  await db?.drop();
});

/** Sends the frames on one stream; resolves with the status it ends with. */
function sendRaw(frames: Buffer[]): Promise<ServiceError | undefined> {
  const client = new RawClient(address, credentials.createInsecure());
  clients.push(client);
  const stream = (client as unknown as { connect(): RawStream }).connect();
  return new Promise((resolve) => {
    stream.on('error', resolve);
    stream.on('end', () => resolve(undefined));
    stream.on('data', () => {});
    for (const frame of frames) stream.write(frame);
  });
}

const encode = (request: ConnectRequest) => Buffer.from(ConnectRequest.encode(request).finish());
const helloBytes = encode(hello('raw-1'));
/** Length-delimited field `field` holding `bytes`. */
const nested = (field: number, bytes: Buffer) =>
  Buffer.concat([Buffer.from([(field << 3) | 2, bytes.length]), bytes]);
/** uint64 seq = 2^60, as field 1 of a Result, in a ResultBatch, in ConnectRequest.results (2). */
const hugeSeq = nested(
  2,
  nested(1, Buffer.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])),
);

describe('frames the decoder cannot read', () => {
  const frames: [string, Buffer[], RegExp][] = [
    ['random bytes', [Buffer.from('9e3f0a7c11d2b85e', 'hex')], /wire type/],
    ['a truncated message', [helloBytes.subarray(0, helloBytes.length - 5)], /premature EOF/],
    // Field 1, length-delimited, with an 11-byte length varint.
    ['a bad varint', [Buffer.from([0x0a, ...Array<number>(10).fill(0xff), 0x01])], /invalid varint/],
    ['a seq beyond 2^53, after a hello', [helloBytes, hugeSeq], /MAX_SAFE_INTEGER/],
  ];
  it.each(frames)('refuses %s with INVALID_ARGUMENT', async (_why, sent, reason) => {
    const error = await sendRaw(sent);
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/^the Connect request is not a valid protobuf message: /);
    expect(error?.details).toMatch(reason);
  });

  it('keeps serving other agents', async () => {
    const client = new TestAgentClient(address, credentials.createInsecure());
    clients.push(client);
    const after = client.converse([hello('after-garbage')], isConfig);
    expect((await after.ended).error).toBeUndefined();
    after.cancel();
    expect(logs.lines.filter((l) => l.msg === 'undecodable message')).toHaveLength(frames.length);
  });
});
