import { z } from 'zod';
import { COMMON_PASSWORDS } from './common-passwords.js';

export const MIN_PASSWORD_LENGTH = 12;
export const MIN_DISTINCT_CHARACTERS = 8;

/**
 * Why a new password is refused, or null. Length alone lets "aaaaaaaaaaaa" and "Password1234!"
 * through, so it also needs 8 different characters and must not be a common password or one
 * with digits and symbols appended ("Password1234!" is "password").
 */
export function passwordProblem(password: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  const distinct = new Set([...password]).size;
  if (distinct < MIN_DISTINCT_CHARACTERS) return `has only ${distinct} different characters; use at least ${MIN_DISTINCT_CHARACTERS}`;
  const lower = password.normalize('NFKC').toLowerCase();
  const stem = lower.replace(/[\d\W_]+$/u, '');
  if (COMMON_PASSWORDS.has(lower) || COMMON_PASSWORDS.has(stem) || COMMON_PASSWORDS.has(lower.replace(/\s+/g, ''))) return 'is a common password; choose another';
  return null;
}

/** A password a user sets (create, reset): the policy above, checked by the API's zod parse. */
export const NewPassword = z
  .string()
  .max(1024)
  .superRefine((value, ctx) => {
    const problem = passwordProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
