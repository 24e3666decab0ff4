import { describe, expect, it } from 'vitest';
import { AgentServiceService, EnrollRequest } from '@portwarden/proto/agent/v1';
import { tolerant, Undecodable } from './decode.js';

describe('tolerant', () => {
  const service = tolerant(AgentServiceService);
  const garbage = Buffer.from('9e3f0a7c11d2b85e', 'hex');

  it.each(['connect', 'enroll', 'renew'] as const)('%s: bytes it cannot read become Undecodable', (name) => {
    const decoded = service[name].requestDeserialize(garbage) as unknown;
    expect(decoded).toBeInstanceOf(Undecodable);
    const type = name[0]!.toUpperCase() + name.slice(1);
    expect((decoded as Undecodable).details).toMatch(`the ${type} request is not a valid protobuf message`);
  });

  it('decodes a valid request as before', () => {
    const bytes = Buffer.from(EnrollRequest.encode({ token: 't', csrPem: 'c' }).finish());
    expect(service.enroll.requestDeserialize(bytes)).toEqual({ token: 't', csrPem: 'c' });
  });
});
