import { CertificateAuthority } from '../ca/authority.js';
import type { HttpTlsOptions } from '../options.js';

/** A certificate for 127.0.0.1 and localhost from a fresh CA of its own: the `httpTls` of a test controller. */
export async function testHttpsCertificate(): Promise<HttpTlsOptions & { caPem: string }> {
  const { authority } = await CertificateAuthority.create();
  const { chainPem, keyPem } = await authority.issueServer(['localhost', '127.0.0.1'], 86_400_000);
  return { cert: chainPem, key: keyPem, caPem: authority.certPem };
}
