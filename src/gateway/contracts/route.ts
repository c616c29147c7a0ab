// GET /openapi.json: the document of the routes this app has, built on first request (by then
// every route is registered) and kept.
import type { Hono } from 'hono';
import pkg from '../../../package.json';
import { openApiDocument, type OpenApiOptions } from './document';

export function openApiRoute(app: Hono, { version = pkg.version }: OpenApiOptions = {}): void {
  let document: object | undefined;
  app.get('/openapi.json', (c) => {
    document ??= openApiDocument(app.routes, { version });
    return c.json(document);
  });
}
