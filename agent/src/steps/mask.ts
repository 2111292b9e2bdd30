/**
 * Secret values never leave the server: every log line (and error text) is masked before it is
 * spooled. Longest first, so a secret that contains a shorter one is masked whole.
 */
export type Masker = (text: string) => string;

const identity: Masker = (text) => text;

export function createMasker(secrets: readonly string[]): Masker {
  const values = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return identity;
  const re = new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => text.replace(re, '***');
}
