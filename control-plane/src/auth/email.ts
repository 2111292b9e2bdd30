import { z } from 'zod';

/**
 * A user's e-mail address. zod's `email()` wants a dotted domain, which refused `bob@localhost`
 * while the default admin is `admin@localhost`; any `local@domain` without spaces is accepted,
 * as on an intranet. Login compares lower-cased addresses.
 */
export const EmailAddress = z
  .string()
  .max(320)
  .regex(/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*$/, 'must be an e-mail address like alice@example.com (alice@localhost works too)');
