import { EVENT_LOOK, type NotificationEvent } from './events.js';
import { render, type TemplateContext } from './template.js';

/** One rendered notification, the same for every channel; each channel shapes it for its provider. */
export interface NotificationMessage {
  event: NotificationEvent;
  /** Stable across retries (receivers dedupe on it: `X-DevFlow-Delivery`). */
  deliveryId: string;
  /** One line: email subject, card title, SMS text. */
  subject: string;
  /** Plain-text body (several lines). */
  text: string;
  /** The deployment page. */
  url: string;
  /** Colour of the event, `#rrggbb`. */
  color: string;
  context: TemplateContext;
  /** Sent by "send test message", not by a deployment. */
  test: boolean;
}

export interface MessageTemplate {
  subject?: string | undefined;
  text?: string | undefined;
}

const DEFAULT_SUBJECT: Record<NotificationEvent, string> = {
  'deployment.started': 'Deploying {{project}} to {{environment}} ({{commit}})',
  'deployment.succeeded': 'Deployed {{project}} to {{environment}} ({{commit}})',
  'deployment.failed': 'Deployment of {{project}} to {{environment}} failed ({{commit}})',
  'deployment.needs_approval': 'Deployment of {{project}} to {{environment}} needs approval ({{commit}})',
  'deployment.rolled_back': 'Rolled back {{project}} on {{environment}} to {{commit}}',
  'deployment.cancelled': 'Deployment of {{project}} to {{environment}} cancelled ({{commit}})',
};

const DEFAULT_TEXT = [
  'Project: {{project}}',
  'Environment: {{environment}}',
  'Status: {{status}}',
  'Commit: {{commit}} {{commitMessage}}',
  'Author: {{commitAuthor}}',
  'Branch: {{branch}}',
  'Triggered by: {{triggeredBy}} ({{trigger}})',
  'Duration: {{duration}}',
  'Reason: {{reason}}',
  '{{url}}',
].join('\n');

export const defaultTemplate = (event: NotificationEvent): Required<MessageTemplate> => ({ subject: DEFAULT_SUBJECT[event], text: DEFAULT_TEXT });

/**
 * Renders a template line by line; a line whose placeholders are all empty is dropped, so
 * "Reason: " does not show on a success and "Duration: " not on a start.
 */
export function renderLines(template: string, context: TemplateContext): string {
  return template
    .split('\n')
    .filter((line) => {
      const names = [...line.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((m) => m[1] ?? '');
      return names.length === 0 || names.some((n) => (context as Record<string, string>)[n]);
    })
    .map((line) => render(line, context).trimEnd())
    .join('\n')
    .trim();
}

export function buildMessage(input: { event: NotificationEvent; deliveryId: string; context: TemplateContext; template?: MessageTemplate | null; test?: boolean }): NotificationMessage {
  const { event, context } = input;
  const fallback = defaultTemplate(event);
  const subject = render(input.template?.subject ?? fallback.subject, context).replace(/\s*\(\s*\)/g, '').replace(/\s+/g, ' ').trim();
  const text = renderLines(input.template?.text ?? fallback.text, context);
  return {
    event,
    deliveryId: input.deliveryId,
    subject: input.test ? `[test] ${subject}` : subject,
    text,
    url: context.url,
    color: EVENT_LOOK[event].hex,
    context,
    test: input.test ?? false,
  };
}
