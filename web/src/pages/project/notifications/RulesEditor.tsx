import { NOTIFICATION_EVENTS, type NotificationEvent, type NotificationRule } from '../../../api/feature-types.js';
import { Check } from '../../../components/forms.js';
import { Field } from '../../../components/ui.js';

export const EVENT_LABEL: Record<NotificationEvent, string> = {
  'deployment.started': 'started',
  'deployment.succeeded': 'succeeded',
  'deployment.failed': 'failed or timed out',
  'deployment.needs_approval': 'needs approval',
  'deployment.rolled_back': 'rolled back',
  'deployment.cancelled': 'cancelled or rejected',
};

const toggle = <T,>(list: T[], item: T, on: boolean) => (on ? [...list, item] : list.filter((x) => x !== item));

/** The rules that feed one channel: events, environments (none = all), optional templates. */
export function RulesEditor({ rules, environments, onChange }: { rules: NotificationRule[]; environments: string[]; onChange: (rules: NotificationRule[]) => void }) {
  const update = (i: number, rule: NotificationRule) => onChange(rules.map((r, j) => (j === i ? rule : r)));
  return (
    <>
      {rules.map((rule, i) => (
        <fieldset key={i} className="options rule" aria-label={`Rule ${i + 1}`}>
          <legend>
            Rule {i + 1}
            {rules.length > 1 && (
              <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange(rules.filter((_, j) => j !== i))}>
                Remove rule
              </button>
            )}
          </legend>
          <div className="check-row">
            {NOTIFICATION_EVENTS.map((event) => (
              <Check key={event} checked={rule.events.includes(event)} onChange={(on) => update(i, { ...rule, events: toggle(rule.events, event, on) })}>
                {EVENT_LABEL[event]}
              </Check>
            ))}
          </div>
          <div className="check-row">
            <span className="muted small">Environments (none ticked: all):</span>
            {environments.map((env) => (
              <Check key={env} checked={rule.environments.includes(env)} onChange={(on) => update(i, { ...rule, environments: toggle(rule.environments, env, on) })}>
                {env}
              </Check>
            ))}
          </div>
          <details>
            <summary className="small">Custom message (optional)</summary>
            <Field label="Subject template" hint="Placeholders: {{project}} {{environment}} {{status}} {{commit}} {{commitAuthor}} {{triggeredBy}} {{duration}} {{reason}} {{url}} …">
              <input value={rule.template?.subject ?? ''} onChange={(e) => update(i, { ...rule, template: { ...rule.template, subject: e.target.value } })} />
            </Field>
            <Field label="Text template">
              <textarea rows={3} value={rule.template?.text ?? ''} onChange={(e) => update(i, { ...rule, template: { ...rule.template, text: e.target.value } })} />
            </Field>
          </details>
        </fieldset>
      ))}
      <button type="button" className="btn btn-small" onClick={() => onChange([...rules, { events: ['deployment.failed'], environments: [] }])}>
        Add rule
      </button>
    </>
  );
}

/** Rules as the API takes them: empty templates left out. */
export function cleanRules(rules: NotificationRule[]): NotificationRule[] {
  return rules.map((r) => {
    const subject = r.template?.subject?.trim();
    const text = r.template?.text?.trim();
    return { events: r.events, environments: r.environments, ...(subject || text ? { template: { ...(subject ? { subject } : {}), ...(text ? { text } : {}) } } : {}) };
  });
}
