import { z } from 'zod';
import { SESSION_COOKIE } from '../auth/sessions.js';
import { VERSION } from '../api/health.js';
import { ErrorBody } from './schemas.js';
import { OPERATIONS, type Operation } from './operations.js';

type Json = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends or receives. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

/** `/api/projects/:project` -> `/api/projects/{project}` and its path parameters. */
export function openapiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const converted = path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path: converted, params };
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function operation(op: Operation): Json {
  const { params } = openapiPath(op.path);
  const parameters: Json[] = params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  if (op.query) {
    const q = schemaOf(op.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...rest } = schema;
      parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema: rest, ...(description ? { description } : {}) });
    }
  }
  const responses: Json = {};
  for (const [status, body] of Object.entries(op.responses)) {
    if (body === null) responses[status] = { description: 'done, no body' };
    else if (body instanceof z.ZodType) responses[status] = { description: 'success', content: { 'application/json': { schema: schemaOf(body, 'output') } } };
    else responses[status] = { description: body.description, content: { [body.contentType]: { schema: { type: 'string' } } } };
  }
  if (op.body || op.query) responses['400'] = errorResponse('VALIDATION_FAILED: names the field and the rule');
  if (op.auth !== false) responses['401'] = errorResponse('UNAUTHENTICATED: no session or API token, or a revoked token');
  if (op.roles) responses['403'] = errorResponse(`FORBIDDEN: needs the role admin${op.roles.map((r) => `, ${r}`).join('')}`);
  if (params.length) responses['404'] = errorResponse('NOT_FOUND: names what does not exist');
  const roles = op.roles ? ` Roles: admin${op.roles.map((r) => `, ${r}`).join('')}.` : '';
  return {
    operationId: `${op.method}${op.path.replace(/[:/.]+([a-z])/gi, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}`,
    summary: op.summary,
    ...(roles ? { description: roles.trim() } : {}),
    tags: [op.tag],
    ...(op.auth === false ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(op.body, 'input') } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of every /api route (see operations.ts). */
export function buildOpenApiDocument(serverUrl?: string): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) {
    const { path } = openapiPath(op.path);
    paths[path] = { ...paths[path], [op.method]: operation(op) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'DevFlow control plane API',
      version: VERSION,
      description:
        'JSON over HTTP. Authenticate with an API token (`Authorization: Bearer <token>`, from POST /api/tokens) or the console session cookie; ' +
        'mutating cookie requests also need `X-DevFlow-CSRF: 1`. Times are epoch milliseconds. Errors are `{ "error": { "code", "message", "details"? } }`.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }, { session: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token' },
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
      },
      schemas: { Error: schemaOf(ErrorBody, 'output') },
    },
    paths,
  };
}
