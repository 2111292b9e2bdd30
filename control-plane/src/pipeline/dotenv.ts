/**
 * Renders variables as a .env file that both phpdotenv (Laravel) and Node's dotenv read back
 * byte for byte: single quotes are literal in both, so they are used whenever the value allows;
 * otherwise double quotes with the escapes both understand.
 */
export function renderEnvFile(variables: Record<string, string>): string {
  const lines = Object.keys(variables)
    .sort()
    .map((key) => `${key}=${quote(variables[key] ?? '')}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function quote(value: string): string {
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`;
  const escaped = value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('\r', '\\r')
    .replaceAll('\n', '\\n')
    .replaceAll('$', '\\$');
  return `"${escaped}"`;
}

/**
 * Values masked in logs: env values long enough to be a secret (short ones like "1" would mask
 * noise). A value inside a name every log line shows anyway (the app directory `<project>-<env>`)
 * hides nothing and would garble those lines: NODE_ENV=production turned every path into
 * `apps/shop-***`.
 */
export function secretValues(variables: Record<string, string>, publicNames: readonly string[] = [], minLength = 4): string[] {
  const isPublic = (v: string) => publicNames.some((name) => name.includes(v));
  return [...new Set(Object.values(variables).filter((v) => v.length >= minLength && !isPublic(v)))];
}
