import type { ApiClient } from '../client.js';

/** `portwarden agents revoke NAME`: the controller refuses the agent's certificates from now on. */
export async function revokeAgent(
  client: ApiClient,
  name: string,
  out: (text: string) => void,
): Promise<void> {
  const revoked = await client.post<{ agent: string; certificates: number; closedStream: boolean }>(
    `/api/v1/agents/${encodeURIComponent(name)}/revoke`,
    {},
  );
  const certificates = `${revoked.certificates} certificate${revoked.certificates === 1 ? '' : 's'}`;
  out(
    `agent ${revoked.agent} revoked (${certificates}); ${revoked.closedStream ? 'its stream was closed' : 'no stream of it was open on this controller'}.\n` +
      'To enroll it again: portwarden token create, then portwarden-agent --enroll-token with a fresh state directory.\n',
  );
}
