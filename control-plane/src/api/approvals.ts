import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { parseInput, type AppEnv } from './env.js';
import { currentUser, requireAuth, requireRole } from './middleware.js';

const RejectInput = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'request body must be JSON, e.g. {"reason": "..."}');
  }
}

/** `/api/approvals`: deployments waiting for approval, oldest first. */
export function approvalsApi(s: Services) {
  return new Hono<AppEnv>().use('*', requireAuth).get('/', async (c) => c.json({ approvals: await s.approvals.list() }));
}

/** `/api/deployments/:id/{approval,approve,reject}`: approvers, maintainers and admins decide. */
export function deploymentApprovalsApi(s: Services) {
  const approver = requireRole('approver', 'maintainer');
  return new Hono<AppEnv>()
    .use('/:id/approval', requireAuth)
    .get('/:id/approval', async (c) => c.json({ approval: await s.approvals.get(c.req.param('id')) }))
    .post('/:id/approve', approver, async (c) => {
      const user = currentUser(c);
      return c.json({ approval: await s.approvals.approve(user, c.req.param('id')) });
    })
    .post('/:id/reject', approver, async (c) => {
      // An empty body is a rejection without a reason.
      const text = await c.req.text();
      const input = text.trim() === '' ? {} : parseInput(RejectInput, parseBody(text));
      return c.json({ approval: await s.approvals.reject(currentUser(c), c.req.param('id'), input.reason) });
    });
}
