import { AppError } from '../errors.js';

/** Every `{{placeholder}}` a template may use; rendering fills each with text ('' when unknown). */
export const PLACEHOLDERS = [
  'event',
  'status',
  'project',
  'environment',
  'kind',
  'trigger',
  'triggeredBy',
  'branch',
  'commit',
  'commitSha',
  'commitMessage',
  'commitAuthor',
  'duration',
  'url',
  'reason',
  'deploymentId',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateContext = Record<Placeholder, string>;

const TAG = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The placeholder names a template uses, in order of appearance. */
export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(TAG)].map((m) => m[1] ?? '');
}

/**
 * Checks a template at save time: an unknown placeholder is a 400 naming it and the field,
 * so a typo is found when the rule is saved, not when a deployment fails at 3 a.m.
 */
export function validateTemplate(template: string, field: string, known: readonly string[] = PLACEHOLDERS): void {
  for (const name of placeholdersIn(template)) {
    if (!known.includes(name)) {
      throw new AppError('VALIDATION_FAILED', `${field}: unknown placeholder {{${name}}}; use one of ${known.map((k) => `{{${k}}}`).join(', ')}`, {
        field,
        placeholder: name,
      });
    }
  }
}

/** Fills `{{name}}` from the context; names not in it (only possible for unvalidated input) stay as written. */
export function render(template: string, context: Readonly<Record<string, string>>): string {
  return template.replace(TAG, (whole, name: string) => (Object.hasOwn(context, name) ? (context[name] ?? '') : whole));
}
