import { z } from 'zod';

/** The global SMTP server every e-mail channel sends through. */
export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (smtps, port 465); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly from: string;
}

/**
 * Environment variables for SMTP, spread into config.ts's schema: `SMTP_URL`
 * (`smtp://user:pass@host:587`, `smtps://…:465`) and/or `DEVFLOW_SMTP_*`, which win over the URL's parts.
 */
export const smtpEnv = {
  SMTP_URL: z
    .string()
    .url()
    .refine((u) => /^smtps?:\/\/[^/]/.test(u), 'must look like smtp://user:password@host:587 or smtps://host:465')
    .optional(),
  DEVFLOW_SMTP_HOST: z.string().min(1).optional(),
  DEVFLOW_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  DEVFLOW_SMTP_SECURE: z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no']))
    .transform((v) => ['on', 'true', '1', 'yes'].includes(v))
    .optional(),
  DEVFLOW_SMTP_USER: z.string().min(1).optional(),
  DEVFLOW_SMTP_PASSWORD: z.string().min(1).optional(),
  DEVFLOW_SMTP_FROM: z.string().min(3).optional(),
};

type SmtpEnv = { [K in keyof typeof smtpEnv]?: z.infer<(typeof smtpEnv)[K]> | undefined };

/** Undefined when neither SMTP_URL nor DEVFLOW_SMTP_HOST is set: e-mail channels are then refused. */
export function smtpConfig(e: SmtpEnv): SmtpConfig | undefined {
  const url = e.SMTP_URL ? new URL(e.SMTP_URL) : undefined;
  const host = e.DEVFLOW_SMTP_HOST ?? url?.hostname.replace(/^\[|\]$/g, '');
  if (!host) return undefined;
  const secure = e.DEVFLOW_SMTP_SECURE ?? url?.protocol === 'smtps:';
  const port = e.DEVFLOW_SMTP_PORT ?? (url?.port ? Number(url.port) : secure ? 465 : 587);
  const fromUrl = url?.searchParams.get('from') ?? undefined;
  return Object.freeze({
    host,
    port,
    secure,
    user: e.DEVFLOW_SMTP_USER ?? (url?.username ? decodeURIComponent(url.username) : undefined),
    password: e.DEVFLOW_SMTP_PASSWORD ?? (url?.password ? decodeURIComponent(url.password) : undefined),
    from: e.DEVFLOW_SMTP_FROM ?? fromUrl ?? 'DevFlow <devflow@localhost>',
  });
}
