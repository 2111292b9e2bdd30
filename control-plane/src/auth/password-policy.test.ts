import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORDS } from './common-passwords.js';
import { passwordProblem } from './password-policy.js';

describe('password policy', () => {
  it('ships a few hundred common passwords', () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThan(250);
    expect(COMMON_PASSWORDS.has('password')).toBe(true);
  });

  it.each([
    ['short1!', /at least 12 characters/],
    ['aaaaaaaaaaaaaaaa', /only 1 different characters/],
    ['abababab1212', /only 4 different characters/],
    ['Password1234!', /common password/],
    ['qwertyuiop123', /common password/],
    ['iloveyou1234', /common password/],
    ['1q2w3e4r5t6y', null],
    ['PASSWORDPASSWORD', /only 7 different/],
    ['Tr0ub4dor&3-horse', null],
    ['the right password!', null],
  ])('%s', (password, expected) => {
    const problem = passwordProblem(password);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });
});
