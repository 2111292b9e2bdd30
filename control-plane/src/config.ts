import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { HEARTBEAT_INTERVAL_MS } from '@devflow/protocol';
import { z } from 'zod';
import { EmailAddress } from './auth/email.js';
import { smtpConfig, smtpEnv, type SmtpConfig } from './notifications/smtp-config.js';

/**
 * Configuration is read once at boot: defaults -> zod -> a frozen object passed down.
 * Nothing else in the control plane reads `process.env`.
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

const onOff = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => ['on', 'true', '1', 'yes'].includes(v));

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
  .transform((u) => u.replace(/\/+$/, ''));

/** 32 bytes as base64 (44 chars) or hex (64 chars). */
const secretKey = z.string().transform((v, ctx) => {
  const s = v.trim();
  const buf = /^[0-9a-fA-F]{64}$/.test(s) ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64');
  if (buf.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)' });
    return z.NEVER;
  }
  return buf;
});

function isAddressOrSubnet(entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(7780),
  HOST: z.string().min(1).default('0.0.0.0'),
  DEVFLOW_DATA_DIR: z.string().min(1).default('./.devflow'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|libsql:\/\/|https?:\/\/|:memory:$)/, 'must start with file:, libsql://, http:// or https://')
    .optional(),
  DATABASE_AUTH_TOKEN: z.string().min(1).optional(),
  DEVFLOW_ADMIN_EMAIL: EmailAddress.default('admin@localhost'),
  DEVFLOW_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  DEVFLOW_RESET_ADMIN_PASSWORD: onOff.default(false),
  DEVFLOW_PUBLIC_URL: httpUrl.optional(),
  DEVFLOW_SECRET_KEY: secretKey.optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  // Every instance of one cluster uses the same prefix; two clusters on one Redis use different ones.
  DEVFLOW_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'use 1-64 letters, digits, ".", "_", ":" or "-"').default('devflow'),
  DEVFLOW_PEER_URLS: z
    .string()
    .transform((v) => v.split(',').map((u) => u.trim()).filter((u) => u.length > 0))
    .pipe(z.array(httpUrl))
    .default([]),
  DEVFLOW_SHUTDOWN_TIMEOUT_S: z.coerce.number().min(0.1).max(3600).default(25),
  // On unless turned off: `npm start` on a fresh clone starts a local agent and the example project.
  DEVFLOW_QUICKSTART: onOff.default(true),
  DEVFLOW_QUICKSTART_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  DEVFLOW_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(50).max(300_000).default(HEARTBEAT_INTERVAL_MS),
  DEVFLOW_WEB_DIR: z.string().min(1).optional(),
  DEVFLOW_DEPLOY_TIMEOUT_S: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(3600),
  DEVFLOW_AGENT_GRACE_S: z.coerce.number().min(0.05).max(24 * 3600).default(120),
  DEVFLOW_MIN_FREE_DISK_BYTES: z.coerce.number().int().min(0).default(1024 * 1024 * 1024),
  DEVFLOW_TRUSTED_PROXIES: z
    .string()
    .transform((v) => v.split(',').map((a) => a.trim()).filter((a) => a.length > 0))
    .pipe(z.array(z.string().refine(isAddressOrSubnet, 'list IP addresses or CIDR subnets, comma-separated (e.g. 10.0.0.5,192.168.1.0/24)')))
    .default([]),
  // SSRF (issue 17 item 5): internal hosts user-given URLs may reach, and local-path repositories.
  DEVFLOW_ALLOWED_INTERNAL_HOSTS: z
    .string()
    .transform((v) => v.split(',').map((a) => a.trim()).filter((a) => a.length > 0))
    .pipe(z.array(z.string().refine((e) => isAddressOrSubnet(e) || /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(e), 'list host names, IP addresses or CIDR subnets, comma-separated (e.g. git.internal,10.0.0.0/8)')))
    .default([]),
  DEVFLOW_ALLOW_LOCAL_REPOSITORIES: onOff.default(false),
  DEVFLOW_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 32`)').optional(),
  // Webhook receiver (issue 17 item 8): body cap and unauthenticated bodies read at once per client address.
  DEVFLOW_WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(25 * 1024 * 1024).default(1024 * 1024),
  DEVFLOW_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(4),
  // Notifications by e-mail: SMTP_URL and/or DEVFLOW_SMTP_* (notifications/smtp-config.ts).
  ...smtpEnv,
});

/** Every environment variable the control plane reads (the README's configuration table lists each). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absolute path. */
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly databaseAuthToken: string | undefined;
  readonly adminEmail: string;
  readonly adminPassword: string | undefined;
  /** Replace the admin's password at start (DEVFLOW_ADMIN_PASSWORD, or a generated one printed once). */
  readonly resetAdminPassword: boolean;
  /** When unset, `http://127.0.0.1:<bound port>` once the server listens (so PORT=0 works). */
  readonly publicUrl: string | undefined;
  /** From DEVFLOW_SECRET_KEY; when unset the key file in the data dir is used (see crypto/secret-key.ts). */
  readonly secretKey: Buffer | undefined;
  readonly redisUrl: string | undefined;
  /** Namespace of every Redis key and channel (DEVFLOW_REDIS_PREFIX). */
  readonly redisPrefix: string;
  /** Other instances' public URLs (DEVFLOW_PEER_URLS), handed to agents at enrolment so they can fail over. */
  readonly peerUrls: readonly string[];
  /** SIGTERM: how long running work may take to finish or hand over before the process exits anyway. */
  readonly shutdownTimeoutMs: number;
  readonly quickstart: boolean;
  /** Port of the quick-start example app. */
  readonly quickstartPort: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly heartbeatIntervalMs: number;
  /** Built web console; default `web/dist` of this repository when it exists. */
  readonly webDir: string | undefined;
  /** A deployment still running after this long ends `timed_out`. */
  readonly deployTimeoutMs: number;
  /** A deployment whose agent stays offline this long fails with that reason. */
  readonly agentGraceMs: number;
  /** Deployments to a server reporting less free disk (host.diskFreeBytes) fail early. 0 = no check. */
  readonly minFreeDiskBytes: number;
  /** Load balancers whose X-Forwarded-For is believed (addresses or CIDR subnets). */
  readonly trustedProxies: readonly string[];
  /** Bearer token for GET /metrics; when unset only loopback clients may scrape. */
  readonly metricsToken: string | undefined;
  /** Host names, addresses and subnets that notification and repository URLs may reach although internal. */
  readonly allowedInternalHosts: readonly string[];
  /** Repositories given as a path (or file://) on the control plane's host are accepted. */
  readonly allowLocalRepositories: boolean;
  /** Webhook deliveries larger than this get 413 before more is read. */
  readonly webhookMaxBodyBytes: number;
  /** Webhook bodies read and verified at once per client address; more get 429. */
  readonly webhookConcurrency: number;
  /** SMTP server for e-mail notifications; undefined when not configured. */
  readonly smtp: SmtpConfig | undefined;
}

/** Parse an environment (normally `process.env`) into a frozen config; throws `ConfigError` naming the variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "not set", as in most twelve-factor tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const value = typeof cleaned[variable] === 'string' && !/SECRET|PASSWORD|TOKEN/.test(variable) ? ` (got "${cleaned[variable]}")` : '';
    throw new ConfigError(variable, `${issue?.message ?? 'invalid value'}${value}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DEVFLOW_DATA_DIR);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL ?? `file:${resolve(dataDir, 'devflow.db')}`,
    databaseAuthToken: e.DATABASE_AUTH_TOKEN,
    adminEmail: e.DEVFLOW_ADMIN_EMAIL.toLowerCase(),
    adminPassword: e.DEVFLOW_ADMIN_PASSWORD,
    resetAdminPassword: e.DEVFLOW_RESET_ADMIN_PASSWORD,
    publicUrl: e.DEVFLOW_PUBLIC_URL,
    secretKey: e.DEVFLOW_SECRET_KEY,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.DEVFLOW_REDIS_PREFIX,
    peerUrls: Object.freeze([...e.DEVFLOW_PEER_URLS]),
    shutdownTimeoutMs: Math.round(e.DEVFLOW_SHUTDOWN_TIMEOUT_S * 1000),
    quickstart: e.DEVFLOW_QUICKSTART,
    quickstartPort: e.DEVFLOW_QUICKSTART_PORT,
    logLevel: e.LOG_LEVEL,
    heartbeatIntervalMs: e.DEVFLOW_HEARTBEAT_INTERVAL_MS,
    webDir: e.DEVFLOW_WEB_DIR ? resolve(e.DEVFLOW_WEB_DIR) : undefined,
    deployTimeoutMs: e.DEVFLOW_DEPLOY_TIMEOUT_S * 1000,
    agentGraceMs: Math.round(e.DEVFLOW_AGENT_GRACE_S * 1000),
    minFreeDiskBytes: e.DEVFLOW_MIN_FREE_DISK_BYTES,
    trustedProxies: Object.freeze([...e.DEVFLOW_TRUSTED_PROXIES]),
    metricsToken: e.DEVFLOW_METRICS_TOKEN,
    allowedInternalHosts: Object.freeze([...e.DEVFLOW_ALLOWED_INTERNAL_HOSTS]),
    allowLocalRepositories: e.DEVFLOW_ALLOW_LOCAL_REPOSITORIES,
    webhookMaxBodyBytes: e.DEVFLOW_WEBHOOK_MAX_BODY_BYTES,
    webhookConcurrency: e.DEVFLOW_WEBHOOK_CONCURRENCY,
    smtp: smtpConfig(e),
  });
}
