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

/** Values masked in logs: env values long enough to be a secret (short ones like "1" would mask noise). */
export function secretValues(variables: Record<string, string>, minLength = 4): string[] {
  return [...new Set(Object.values(variables).filter((v) => v.length >= minLength))];
}
