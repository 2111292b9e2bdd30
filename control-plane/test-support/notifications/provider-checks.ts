import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Check } from './receivers.js';

/**
 * Test support: what each provider requires of a request, as documented by Slack, Discord,
 * Microsoft and Twilio. A receiver answers 400 with the reason when a check fails.
 */

const json = (body: string): Record<string, any> | null => {
  try {
    const v: unknown = JSON.parse(body);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : null;
  } catch {
    return null;
  }
};
const isJson = (h: Record<string, unknown>) => String(h['content-type'] ?? '').startsWith('application/json');

export const slackCheck: Check = (req) => {
  const b = json(req.body);
  if (!b || !isJson(req.headers)) return 'invalid_payload';
  const hasText = typeof b.text === 'string' && b.text.length > 0;
  const hasBlocks = Array.isArray(b.blocks) && b.blocks.length > 0;
  if (!hasText && !hasBlocks) return 'no_text';
  for (const a of b.attachments ?? []) {
    if (typeof a.color !== 'string' || !/^#[0-9a-f]{6}$/i.test(a.color)) return 'invalid_attachments: color';
    for (const block of a.blocks ?? []) {
      if (!['section', 'actions', 'context', 'header', 'divider'].includes(block.type)) return `invalid_blocks: type ${block.type}`;
      if (block.type === 'section' && (block.text?.type !== 'mrkdwn' || block.text.text.length > 3000)) return 'invalid_blocks: section text';
    }
  }
  return null;
};

export const discordCheck: Check = (req) => {
  const b = json(req.body);
  if (!b || !isJson(req.headers)) return '{"message": "Cannot send an empty message", "code": 50006}';
  const hasContent = typeof b.content === 'string' && b.content.length > 0;
  const embeds: any[] = Array.isArray(b.embeds) ? b.embeds : [];
  if (!hasContent && embeds.length === 0) return '{"message": "Cannot send an empty message", "code": 50006}';
  if (embeds.length > 10) return 'embeds: at most 10';
  for (const e of embeds) {
    if (e.title !== undefined && (typeof e.title !== 'string' || e.title.length > 256)) return 'embeds.title';
    if (e.description !== undefined && (typeof e.description !== 'string' || e.description.length > 4096)) return 'embeds.description';
    if (e.color !== undefined && (!Number.isInteger(e.color) || e.color < 0 || e.color > 0xffffff)) return 'embeds.color';
  }
  return null;
};

export const teamsCheck: Check = (req) => {
  const b = json(req.body);
  if (!b || !isJson(req.headers)) return 'Bad payload';
  if (b['@type'] === 'MessageCard') {
    if (b['@context'] !== 'https://schema.org/extensions') return 'MessageCard: @context';
    if (typeof b.summary !== 'string' && typeof b.text !== 'string') return 'MessageCard: summary or text is required';
    return null;
  }
  if (b.type !== 'message' || !Array.isArray(b.attachments) || b.attachments.length === 0) return 'message: attachments required';
  for (const a of b.attachments) {
    if (a.contentType !== 'application/vnd.microsoft.card.adaptive') return 'attachment: contentType';
    const card = a.content;
    if (card?.type !== 'AdaptiveCard' || typeof card.version !== 'string') return 'AdaptiveCard: type/version';
    if (!Array.isArray(card.body) || card.body.some((el: any) => typeof el.type !== 'string')) return 'AdaptiveCard: body';
    if (card.body.some((el: any) => el.type === 'TextBlock' && typeof el.text !== 'string')) return 'TextBlock: text';
  }
  return null;
};

/** Twilio's Messages API: form-encoded To, From and Body with HTTP basic auth. */
export function twilioCheck(user: string, password: string): Check {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return (req) => {
    if (req.headers.authorization !== expected) return '{"code": 20003, "message": "Authenticate"}';
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return 'form body required';
    const form = new URLSearchParams(req.body);
    for (const f of ['To', 'From', 'Body']) if (!form.get(f)) return `{"code": 21604, "message": "A '${f}' parameter is required."}`;
    return null;
  };
}

/** What a receiver of our custom webhook does: recompute the HMAC and compare in constant time. */
export function signatureCheck(secret: string): Check {
  return (req) => {
    const got = String(req.headers['x-devflow-signature'] ?? '');
    const want = `sha256=${createHmac('sha256', secret).update(req.body).digest('hex')}`;
    if (got.length !== want.length || !timingSafeEqual(Buffer.from(got), Buffer.from(want))) return 'signature mismatch';
    if (!req.headers['x-devflow-event'] || !req.headers['x-devflow-delivery']) return 'event/delivery headers missing';
    return null;
  };
}
