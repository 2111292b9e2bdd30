import { isSafeRepositoryUrl, isValidGitRef } from '@devflow/protocol';
import { z } from 'zod';

/** Project and environment names end up in directory names on servers: slugs only. */
export const Slug = z
  .string()
  .max(40, 'at most 40 characters')
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-", starting with a letter or digit');

export const RepositoryUrlInput = z
  .string()
  .trim()
  .refine(isSafeRepositoryUrl, 'must be an https://, ssh://, git:// or file:// URL, user@host:path, or an absolute local path (ext:: and other command transports are refused)');

export const BranchInput = z.string().refine(isValidGitRef, 'not a valid git branch name (see git check-ref-format)');

export const PresetInput = z.enum(['node', 'laravel', 'static', 'custom']);

export const CredentialsInput = z
  .object({
    sshPrivateKey: z.string().max(16 * 1024).regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'must be a PEM/OpenSSH private key').optional(),
    httpsToken: z.string().min(1).max(4096).regex(/^[\x21-\x7e]+$/, 'printable characters without spaces').optional(),
  })
  .strict();

export interface Project {
  id: string;
  name: string;
  /** Passwords in the URL are shown as `***`. */
  repositoryUrl: string;
  preset: z.infer<typeof PresetInput>;
  defaultBranch: string;
  /** Which credentials are stored (never their values). */
  credentials: { sshPrivateKey: boolean; httpsToken: boolean };
  createdAt: number;
  updatedAt: number;
}

export const CreateProject = z
  .object({
    name: Slug,
    repositoryUrl: RepositoryUrlInput,
    preset: PresetInput.default('node'),
    defaultBranch: BranchInput.default('main'),
    credentials: CredentialsInput.optional(),
  })
  .strict();
export type CreateProject = z.input<typeof CreateProject>;

/** `credentials: null` removes stored credentials. */
export const UpdateProject = z
  .object({
    repositoryUrl: RepositoryUrlInput.optional(),
    preset: PresetInput.optional(),
    defaultBranch: BranchInput.optional(),
    credentials: CredentialsInput.nullable().optional(),
  })
  .strict();
export type UpdateProject = z.input<typeof UpdateProject>;
