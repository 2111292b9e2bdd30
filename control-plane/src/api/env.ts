import type { z } from 'zod';
import type { Context } from 'hono';
import { AppError } from '../errors.js';

export type Role = 'admin' | 'maintainer' | 'deployer' | 'approver' | 'viewer';

export interface AuthUser {
  id: string;
  email: string;
  role: Role;
}

export interface ClientAddress {
  /** The client's IP (through trusted proxies); undefined for in-process requests. */
  address: string | undefined;
  /** A forwarding header came from a peer that is not a trusted proxy: `address` is that peer, maybe not the client. */
  untrustedForwarding: boolean;
}

/** Hono environment shared by every sub-app: who is calling and how they proved it. */
export interface AppEnv {
  Variables: {
    user: AuthUser | undefined;
    /** `session` (cookie; CSRF-checked) or `token` (bearer; exempt from CSRF). */
    authMethod: 'session' | 'token' | undefined;
    /** Set for every request by `identifyClient` (api/middleware.ts). */
    client: ClientAddress;
  };
}

/** Read and validate a JSON body; a failure names the field (400 VALIDATION_FAILED). */
export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new AppError('VALIDATION_FAILED', 'request body must be JSON (Content-Type: application/json)');
  }
  return parseInput(schema, body);
}

export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : '(body)';
  throw new AppError('VALIDATION_FAILED', `${field}: ${issueMessage(issue)}`, { field });
}

/** A zod issue as a user reads it; a bad record key says what a key must look like, not "Invalid key in record". */
export function issueMessage(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  if (issue.code === 'invalid_key' && issue.issues[0]) return `invalid name: ${issue.issues[0].message}`;
  return issue.message;
}
