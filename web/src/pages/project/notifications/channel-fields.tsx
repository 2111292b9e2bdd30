import type { ChannelType, PublicChannel } from '../../../api/feature-types.js';
import { Field } from '../../../components/ui.js';

/** Raw form values of a channel; secrets start empty (the API never returns them). */
export type ChannelValues = Record<string, string>;

export const CHANNEL_LABEL: Record<ChannelType, string> = {
  email: 'Email',
  slack: 'Slack',
  discord: 'Discord',
  teams: 'Microsoft Teams',
  sms: 'SMS (HTTP provider)',
  webhook: 'Webhook (signed JSON)',
};

const list = (text: string) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

export function initialValues(channel: PublicChannel | null): ChannelValues {
  if (!channel) return { type: 'slack', method: 'POST', contentType: 'form', authHeaderName: 'Authorization', format: 'adaptive' };
  const v: ChannelValues = { type: channel.type };
  if (channel.type === 'email') v.to = channel.to.join(', ');
  if (channel.type === 'teams') v.format = channel.format;
  if (channel.type === 'sms') {
    Object.assign(v, { method: channel.method, contentType: channel.contentType, authHeaderName: channel.authHeaderName, to: channel.to.join(', ') });
    v.body = Object.entries(channel.body).map(([k, x]) => `${k}: ${x}`).join('\n');
  }
  return v;
}

/** The API's channel object from the form: empty fields are left out, so an edit keeps stored secrets. */
export function channelInput(v: ChannelValues): { type: ChannelType } & Record<string, unknown> {
  const out: Record<string, unknown> = { type: v.type };
  const set = (key: string, value: unknown) => {
    if (value !== '' && value !== undefined && !(Array.isArray(value) && value.length === 0)) out[key] = value;
  };
  switch (v.type) {
    case 'email':
      set('to', list(v.to ?? ''));
      break;
    case 'sms': {
      set('url', v.url?.trim());
      set('method', v.method);
      set('contentType', v.contentType);
      set('authHeaderName', v.authHeaderName?.trim());
      set('authHeader', v.authHeader?.trim());
      const body = Object.fromEntries(
        (v.body ?? '').split('\n').map((line) => line.split(/:(.*)/s).map((s) => s.trim())).filter(([k]) => k).map(([k, x]) => [k, x ?? '']),
      );
      if (Object.keys(body).length) out.body = body;
      set('to', list(v.to ?? ''));
      break;
    }
    case 'webhook':
      set('url', v.url?.trim());
      set('secret', v.secret);
      break;
    default:
      set('webhookUrl', v.webhookUrl?.trim());
      if (v.type === 'teams') set('format', v.format);
  }
  return out as { type: ChannelType } & Record<string, unknown>;
}

/** The fields of one channel type. `stored` (editing): secret fields may stay empty to keep what is stored. */
export function ChannelFields({ values, set, stored }: { values: ChannelValues; set: (key: string, value: string) => void; stored: PublicChannel | null }) {
  const keep = stored && stored.type === values.type;
  const secretHint = (what: string) => (keep && 'host' in stored ? `Stored for ${stored.host}; leave empty to keep it.` : what);
  const input = (key: string, label: string, props: { hint?: string; type?: string; required?: boolean; placeholder?: string } = {}) => (
    <Field label={label} hint={props.hint}>
      <input
        type={props.type ?? 'text'}
        required={props.required ?? !keep}
        placeholder={props.placeholder}
        autoComplete="off"
        spellCheck={false}
        value={values[key] ?? ''}
        onChange={(e) => set(key, e.target.value)}
      />
    </Field>
  );
  switch (values.type) {
    case 'email':
      return input('to', 'Recipients', { hint: 'Comma separated. Sent through the SMTP server configured on the control plane.', required: true, placeholder: 'ops@example.com' });
    case 'webhook':
      return (
        <>
          {input('url', 'Endpoint URL', { hint: secretHint('Receives JSON with X-DevFlow-Signature: sha256=<HMAC of the body>.'), type: 'url' })}
          {input('secret', 'Signing secret', { hint: keep ? 'Stored; leave empty to keep it.' : 'At least 16 characters; used to sign every request.', type: 'password' })}
        </>
      );
    case 'sms':
      return (
        <>
          {input('url', 'Provider URL', { hint: secretHint('e.g. https://api.twilio.com/2010-04-01/Accounts/<SID>/Messages.json'), type: 'url' })}
          <div className="form-row">
            <Field label="Method">
              <select value={values.method} onChange={(e) => set('method', e.target.value)}>
                <option>POST</option>
                <option>PUT</option>
              </select>
            </Field>
            <Field label="Body format">
              <select value={values.contentType} onChange={(e) => set('contentType', e.target.value)}>
                <option value="form">form</option>
                <option value="json">json</option>
              </select>
            </Field>
            {input('authHeaderName', 'Auth header name', { required: false })}
          </div>
          {input('authHeader', 'Auth header value', { hint: keep ? 'Stored if set; leave empty to keep it.' : 'The whole value, e.g. Basic <base64 SID:token>.', type: 'password', required: false })}
          <Field label="Body fields" hint="One per line, name: value; {{to}} and {{message}} are filled in.">
            <textarea rows={3} required={!keep} value={values.body ?? ''} placeholder={'To: {{to}}\nFrom: +14155550100\nBody: {{message}}'} onChange={(e) => set('body', e.target.value)} />
          </Field>
          {input('to', 'Phone numbers', { hint: 'E.164, comma separated: +14155550100', required: true })}
        </>
      );
    default:
      return (
        <>
          {input('webhookUrl', 'Incoming webhook URL', { hint: secretHint('The URL holds its token: it is stored sealed and never shown again.'), type: 'url' })}
          {values.type === 'teams' && (
            <Field label="Card format">
              <select value={values.format} onChange={(e) => set('format', e.target.value)}>
                <option value="adaptive">Adaptive Card (Workflows webhook)</option>
                <option value="messagecard">MessageCard (legacy connector)</option>
              </select>
            </Field>
          )}
        </>
      );
  }
}
