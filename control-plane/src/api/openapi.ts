import { Hono } from 'hono';
import { buildOpenApiDocument } from '../openapi/document.js';
import type { AppEnv } from './env.js';

/** `GET /api/openapi.json`: the OpenAPI 3.1 document, built once (it describes code, not data). Public. */
export function openapiApi(publicUrl?: string) {
  let doc: Record<string, unknown> | undefined;
  return new Hono<AppEnv>().get('/openapi.json', (c) => c.json((doc ??= buildOpenApiDocument(publicUrl))));
}
