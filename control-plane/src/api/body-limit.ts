import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../errors.js';

/**
 * Largest JSON body the API and the enrolment route accept. The biggest legitimate ones (a
 * variables file, an SSH key, notification templates) are a few kB; without a cap one
 * unauthenticated 300 MB POST to /api/auth/login held ~900 MB of the control plane's memory.
 */
export const API_MAX_BODY_BYTES = 1024 * 1024;

/** Refuses a larger body with 413 PAYLOAD_TOO_LARGE before it is buffered (chunked bodies too). */
export function apiBodyLimit(maxBytes = API_MAX_BODY_BYTES) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE', `request body larger than ${maxBytes / 1024} KiB; the API takes small JSON bodies`);
    },
  });
}
