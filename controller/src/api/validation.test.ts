import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateWithZod } from './validation.js';

const app = () => Fastify().addHook('onRoute', validateWithZod);

describe('validateWithZod', () => {
  it('hands the handler the parsed value: numbers coerced, defaults applied', async () => {
    const api = app();
    const querystring = z.strictObject({ limit: z.coerce.number().int().default(100) });
    api.get('/q', { schema: { querystring } }, async ({ query }) => query);
    expect((await api.inject('/q?limit=7')).json()).toEqual({ limit: 7 });
    expect((await api.inject('/q')).json()).toEqual({ limit: 100 });
  });

  it('leaves a route with JSON schemas to fastify', async () => {
    const api = app();
    const querystring = { type: 'object', properties: { n: { type: 'integer' } } };
    api.get('/j', { schema: { querystring } }, async ({ query }) => query);
    expect((await api.inject('/j?n=3')).json()).toEqual({ n: 3 });
    expect((await api.inject('/j?n=x')).statusCode).toBe(400);
  });

  it('refuses a route that mixes zod and JSON schemas, naming it', async () => {
    const api = app();
    const schema = { body: z.strictObject({}), querystring: { type: 'object' } };
    api.post('/mixed', { schema }, async () => 'never');
    await expect(api.ready()).rejects.toThrow(/POST \/mixed: give every request part a zod schema/);
  });
});
