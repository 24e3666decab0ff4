import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
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

/** What a Vite build holds. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Every file under `root`, as URL paths relative to it (`assets/index-1a2b.js`). */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** Answers a page path (`/`, `/incidents/7`) with the UI; false when it is not one. */
export type PageFallback = (request: FastifyRequest, reply: FastifyReply) => boolean;

/**
 * The built web UI (web/dist) at `/`: its assets as files, and every other GET a browser makes
 * outside /api/ (a page such as /incidents/7, which a notification's generatorURL opens) as
 * index.html, whose router shows the page. Without a build the API runs alone and says so once.
 */
export function registerWebUi(
  app: FastifyInstance,
  root: string | undefined,
  logger: Logger,
): PageFallback | undefined {
  const indexFile = root && join(root, 'index.html');
  if (!root || !indexFile || !existsSync(indexFile)) {
    logger.warn({ root }, 'no web UI build: run `npm run build`; the HTTP API serves without it');
    return undefined;
  }
  const index = readFileSync(indexFile);
  // One route per file, found now and held in memory (the build is a few hundred kB): a GET of
  // an unknown /api path still needs a token first and is a JSON 404.
  for (const file of filesUnder(root)) {
    const body = readFileSync(join(root, file));
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    // Vite puts a content hash in every asset's name; anything else must be fetched again.
    const cache = file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    app.get(`/${file}`, { schema: { hide: true } }, (_request, reply) =>
      reply.headers(SECURITY_HEADERS).header('cache-control', cache).type(type).send(body),
    );
  }
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
