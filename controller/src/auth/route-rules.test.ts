import { describe, expect, it } from 'vitest';
import { ruleFor } from './route-rules.js';

describe('ruleFor', () => {
  it.each([
    // a declared read
    ['GET', '/api/v1/agents', { role: 'viewer' }],
    // HEAD is answered by the GET route, so it needs what GET needs
    ['HEAD', '/api/v1/agents', { role: 'viewer' }],
    // "test now" is the operator's
    ['POST', '/api/v1/agents/:name/test', { role: 'operator', action: 'test-now' }],
    // a route nobody declared fails closed
    ['GET', '/api/v1/something-new', { role: 'admin' }],
    // no route matched (a 404 to be): admin as well, so nothing is learnt without a token
    ['GET', undefined, { role: 'admin' }],
    // the table is not fooled by inherited keys
    ['constructor', '', { role: 'admin' }],
  ])('%s %s', (method, url, expected) => expect(ruleFor(method, url)).toEqual(expected));
});
