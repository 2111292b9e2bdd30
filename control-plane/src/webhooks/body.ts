import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';

/** What was read of a delivery: the bytes and their SHA-256 (the payload-replay key). */
export interface DeliveryBody {
  raw: Uint8Array;
  sha256: string;
}

const tooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `webhook payload larger than ${maxBytes} bytes (DEVFLOW_WEBHOOK_MAX_BODY_BYTES); push fewer commits at once or raise the limit`, { maxBytes });

/**
 * Reads a request body chunk by chunk, handing each chunk to `onChunk` (the signature check)
 * and stopping with 413 the moment it grows past `maxBytes` (a declared Content-Length past
 * it is refused before reading): memory per delivery stays below the cap.
 */
export async function readDeliveryBody(
  body: ReadableStream<Uint8Array> | null,
  declaredLength: string | undefined,
  maxBytes: number,
  onChunk: (chunk: Uint8Array) => void,
): Promise<DeliveryBody> {
  // Refused bodies are left unread, not cancelled: Node discards the rest once the answer is sent,
  // so the client still gets the 413 (a cancelled stream resets the socket under its upload).
  if (declaredLength !== undefined && /^\d+$/.test(declaredLength) && Number(declaredLength) > maxBytes) throw tooLarge(maxBytes);
  const hash = createHash('sha256');
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        reader.releaseLock();
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
      hash.update(value);
      onChunk(value);
    }
  }
  return { raw: Buffer.concat(chunks), sha256: hash.digest('hex') };
}
