import { describe, expect, it } from 'vitest';
import { errorLine } from './execute.js';

describe('errorLine: why a failed command stopped, for the deployment reason', () => {
  it('picks the SQL error of a failed migration over the lines after it', () => {
    const lines = [
      'Migrating: 2026_02_01_000000_add_orders',
      '',
      '  Illuminate\\Database\\QueryException ',
      "  SQLSTATE[42S01]: Base table or view already exists: 1050 Table 'visits' already exists (SQL: create table `visits` ...)",
      '  at /srv/releases/x/vendor/Connection.php:712',
      '',
    ];
    expect(errorLine(lines)).toMatch(/^SQLSTATE\[42S01\]: Base table or view already exists/);
  });

  it('falls back to the last non-empty line, and to null for no output', () => {
    expect(errorLine(['building', 'broken dependency', ''])).toBe('broken dependency');
    expect(errorLine([])).toBeNull();
  });
});
