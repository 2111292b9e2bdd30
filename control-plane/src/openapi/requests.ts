import { z } from 'zod';
import { EmailAddress } from '../auth/email.js';
import { ROLES } from '../auth/users.js';
import { Labels, ServerName } from '../servers/types.js';

/**
 * Request schemas that the route files keep private to themselves (small inline objects),
 * repeated here with the same rules for the document. The domain schemas (DeployOptions,
 * CreateProject, HistoryQuery, ...) are imported from their modules instead.
 */
export const Login = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) });
export { CreateToken } from '../api/tokens.js';
export const CreateUser = z.object({ email: EmailAddress, password: z.string().min(12).max(1024), role: z.enum(ROLES) });
export const CreateServer = z.object({ name: ServerName, labels: Labels.optional() });
export const PatchServer = z.object({ name: ServerName.optional(), labels: Labels.optional() }).strict();
export const Reorder = z.object({ deploymentIds: z.array(z.string().min(1).max(128)).min(1).max(1000) }).strict();
export const RejectInput = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();
export const CommitsQuery = z.object({ branch: z.string().optional(), limit: z.coerce.number().int().min(1).max(200).default(20) });
export const ReleasesQuery = z.object({ pruned: z.enum(['true', 'false']).optional().describe('include releases already removed from disk') });
export const DeploymentLogQuery = z.object({
  format: z.enum(['text', 'json']).default('text'),
  after: z.string().max(20_000).optional().describe('cursor from a previous page (`next`)'),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});
export const StepLogQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});
export const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
export const NotificationDeliveriesQuery = z.object({
  notification: z.string().optional(),
  deployment: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
