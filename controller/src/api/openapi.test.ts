import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../controller.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

let db: TestDatabase;
let admin: TestAdminToken;
let controller: Controller;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = testController(db.url, { adminTokenFile: admin.file });
  base = (await controller.start()).httpUrl;
});

afterAll(async () => {
  await controller?.stop();
  await db?.drop();
  await admin?.remove();
});

interface Operation {
  security?: Record<string, string[]>[];
  'x-role'?: string;
  parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

/** `token` '' sends none. */
const call = (method: string, path: string, body?: unknown, token = admin.token) =>
  fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

const openapi = async () => (await (await call('GET', '/api/v1/openapi.json')).json()) as Document;

/** `GET /api/v1/agents/:name/test (operator)` -> the document's method, path and the role. */
function asOperation(line: string): [string, string, string] {
  const [, method, path, role] = /^(\w+) (\S+) \((\w+)\)$/.exec(line)!;
  return [method!.toLowerCase(), path!.replace(/:(\w+)/g, '{$1}'), role!];
}

describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document with the bearer scheme and the error body', async () => {
    const document = await openapi();
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toMatchObject({ title: expect.any(String), version: 'v1' });
    expect(document.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    expect(document.components.schemas.Error).toMatchObject({
      properties: { error: { required: ['code', 'message'] } },
    });
    const result = await new Validator().validate(
      document as unknown as Parameters<Validator['validate']>[0],
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('holds every registered route, with the bearer token and the role of route-rules.ts', async () => {
    const { routes } = (await (await call('GET', '/api/v1')).json()) as { routes: string[] };
    expect(routes).toContain('GET /api/v1/openapi.json (viewer)');
    const { paths } = await openapi();
    for (const [method, path, role] of routes.map(asOperation)) {
      const operation = paths[path]?.[method];
      expect({ method, path, operation }).toMatchObject({ operation: expect.any(Object) });
      expect(operation!.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
      expect(operation!['x-role'], `${method} ${path}`).toBe(role);
      expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
    // the probes need no token
    expect(paths['/healthz']?.get?.security).toBeUndefined();
  });

  it('refers every operation failing to the Error component', async () => {
    const { paths } = await openapi();
    const operations = Object.values(paths).flatMap((item) => Object.values(item));
    expect(operations.length).toBeGreaterThan(10);
    for (const operation of operations)
      for (const status of ['4XX', '5XX'])
        expect(operation.responses[status]?.content?.['application/json']?.schema).toEqual({
          $ref: '#/components/schemas/Error',
        });
  });

  it('describes the query, path and body that the routes validate', async () => {
    const { paths } = await openapi();
    const incidents = paths['/api/v1/incidents']!.get!.parameters!;
    expect(incidents.find((p) => p.name === 'status')).toMatchObject({
      in: 'query',
      schema: { enum: ['open', 'resolved', 'all'], default: 'all' },
    });
    const test = paths['/api/v1/agents/{name}/test']!.post!;
    expect(test.parameters).toEqual([expect.objectContaining({ name: 'name', in: 'path', required: true })]);
    expect(test.requestBody!.content['application/json']!.schema).toMatchObject({
      required: ['check'],
      properties: { check: { type: 'string' } },
    });
    expect(Object.keys(paths['/api/v1/policy']!.put!.requestBody!.content)).toContain('application/yaml');
  });

  it('needs a token', async () => {
    expect((await call('GET', '/api/v1/openapi.json', undefined, '')).status).toBe(401);
  });
});

describe('a request against a route schema', () => {
  // [why, request, what the message says, the hint]
  const cases: [string, () => Promise<Response>, RegExp, RegExp | undefined][] = [
    ['a limit out of range', () => call('GET', '/api/v1/gaps?limit=0'), /^invalid query: limit: /, undefined],
    ['an unknown query parameter', () => call('GET', '/api/v1/audit?colour=blue'), /colour/, undefined],
    [
      'an unknown role',
      () => call('POST', '/api/v1/api-tokens', { role: 'root', name: 'x' }),
      /^invalid body: role: /,
      /^send \{"role":"viewer"/,
    ],
    ['no body at all', () => call('POST', '/api/v1/agents/a/test'), /^invalid body: check: /, /"check"/],
  ];
  it.each(cases)('answers %s with the usual 400 body', async (_why, request, message, hint) => {
    const response = await request();
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, string> };
    expect(error).toEqual({
      code: 'bad-request',
      message: expect.stringMatching(message),
      ...(hint && { hint: expect.stringMatching(hint) }),
    });
  });

  it('hands the handler the defaults', async () => {
    const response = await call('GET', '/api/v1/incidents');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ incidents: [] });
  });
});
