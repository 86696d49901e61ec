import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { accentStylesheet } from '../../web/accent-theme.js';
import { ASSET_DIRECTORY } from '../../web/asset-manifest.js';
import type { WebRouteContext } from './web-surface.js';

const IMAGE_TYPES: Record<string, string> = { '.svg': 'image/svg+xml', '.png': 'image/png', '.webp': 'image/webp', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

/**
 * The operator's logo and extra stylesheet (PASSDROP_BRAND_LOGO_FILE, PASSDROP_BRAND_CSS_FILE), read once at
 * start; the accent colour's tokens (PASSDROP_BRAND_ACCENT, docs/ui.md); and /favicon.ico, which browsers
 * ask for at the root whatever the page says.
 */
export function registerBrandingRoutes(app: FastifyInstance, { config }: WebRouteContext): void {
  const asset = { access: 'public', sessionless: true, gateway: true } as const;
  const favicon = readFileSync(new URL('favicon.ico', `file://${ASSET_DIRECTORY}`));
  app.get('/favicon.ico', { config: asset, exposeHeadRoute: true }, async (_request, reply) =>
    reply.type('image/x-icon').header('cache-control', 'public, max-age=86400').send(favicon),
  );
  if (config.brand.accent !== undefined) {
    const css = accentStylesheet(config.brand.accent);
    app.get('/brand/theme.css', { config: asset, exposeHeadRoute: true }, async (_request, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css),
    );
  }
  if (config.brand.logoFile !== undefined) {
    const logo = readFileSync(config.brand.logoFile);
    const type = IMAGE_TYPES[extname(config.brand.logoFile).toLowerCase()] ?? 'application/octet-stream';
    app.get('/brand/logo', { config: asset, exposeHeadRoute: true }, async (_request, reply) =>
      reply.type(type).header('cache-control', 'public, max-age=3600').send(logo),
    );
  }
  if (config.brand.cssFile !== undefined) {
    const css = readFileSync(config.brand.cssFile);
    app.get('/brand/custom.css', { config: asset, exposeHeadRoute: true }, async (_request, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css),
    );
  }
}
