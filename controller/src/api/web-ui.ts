import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@portwarden/common/logger';

/**
 * The UI's pages and assets come from this origin only, are never framed, and talk to this
 * origin's API only (the token goes in a header, so nothing but the API sees it).
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Answers a page path (`/`, `/incidents/7`) with the UI; false when it is not one. */
export type PageFallback = (request: FastifyRequest, reply: FastifyReply) => boolean;

/**
 * The built web UI (web/dist) at `/`: its assets as files, and every other GET a browser makes
 * outside /api/ (a page such as /incidents/7, which a notification's generatorURL opens) as
 * index.html, whose router shows the page. Without a build the API runs alone and says so once.
 */
export async function registerWebUi(
  app: FastifyInstance,
  root: string | undefined,
  logger: Logger,
): Promise<PageFallback | undefined> {
  const indexFile = root && join(root, 'index.html');
  if (!root || !indexFile || !existsSync(indexFile)) {
    logger.warn({ root }, 'no web UI build: run `npm run build`; the HTTP API serves without it');
    return undefined;
  }
  const index = readFileSync(indexFile);
  await app.register(fastifyStatic, {
    root,
    // One route per file, found now: a GET of an unknown /api path still needs a token and is a JSON 404.
    wildcard: false,
    index: false,
    // Vite puts a content hash in every asset's name; anything else must be fetched again.
    cacheControl: false,
    setHeaders: (reply, path) =>
      void reply
        .headers(SECURITY_HEADERS)
        .header(
          'cache-control',
          path.startsWith(join(root, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
        ),
  });
  return (request, reply) => {
    const path = request.url.split('?')[0]!;
    const page =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !path.startsWith('/api/') &&
      path !== '/api' &&
      (request.headers.accept ?? '').includes('text/html');
    if (!page) return false;
    void reply
      .code(200)
      .headers(SECURITY_HEADERS)
      .header('cache-control', 'no-cache')
      .type('text/html')
      .send(index);
    return true;
  };
}
