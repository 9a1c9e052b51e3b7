// The journal page at /__admin/: static HTML, script and style from public/admin, read once at
// registration and served from memory. The page holds no data: its script reads the admin API's JSON
// routes, with the admin token the person types in, so these files need no token themselves.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

/** public/admin at the package root, from src/admin (tsx), dist/src/admin (built) or dist/src (the bundled command line). */
export const PAGE_DIR = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../public/admin'), resolve(here, '../../../public/admin')];
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0]!;
})();

/** The files under /__admin/page/, by name, with their media types. */
const ASSETS: Record<string, string> = {
  'journal.js': 'text/javascript; charset=utf-8',
  'journal.css': 'text/css; charset=utf-8',
};

// The page shows what clients sent (paths, bodies): it renders them as text, and this policy keeps any
// script but its own from running should that ever slip.
const PAGE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' data:",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

function readPageFile(name: string): Buffer {
  try {
    return readFileSync(join(PAGE_DIR, name));
  } catch (error) {
    throw new Error(`cint-mock: the admin page's ${name} is missing from the install (looked in ${PAGE_DIR})`, { cause: error });
  }
}

export const adminPage: FastifyPluginAsync = async (app) => {
  const html = readPageFile('index.html');
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    // The page's links are relative (so it works behind a proxy that moves /__admin), which needs the slash.
    const [path, query] = request.url.split('?', 2) as [string, string | undefined];
    if (!path.endsWith('/')) return reply.redirect(`${path.slice(path.lastIndexOf('/') + 1)}/${query === undefined ? '' : `?${query}`}`, 302);
    return reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).header('cache-control', 'no-cache').send(html);
  });
  for (const [name, type] of Object.entries(ASSETS)) {
    const content = readPageFile(name);
    app.get(`/page/${name}`, { schema: { hide: true } }, async (_request, reply) => reply.type(type).header('cache-control', 'no-cache').send(content));
  }
};
