import { BadMessageError } from './headers.js';

const SIZE = 0;
const EXTENSION = 1;
const SIZE_LF = 2;
const DATA = 3;
const DATA_CR = 4;
const DATA_LF = 5;
const TRAILER_LINE_START = 6;
const TRAILER_LINE = 7;
const END_LF = 8;

const MAX_SIZE_DIGITS = 12;
const MAX_TRAILER_BYTES = 16 * 1024;

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/**
 * Follows a chunked body (RFC 9112 §7.1) as its bytes go through, without decoding it, to find
 * where the message ends: the proxy forwards the bytes unchanged and only needs that boundary.
 */
export class ChunkedEnd {
  private state = SIZE;
  private size = 0;
  private digits = 0;
  private trailerBytes = 0;

  /**
   * Index just past the end of the body in `buf` (from `from`), or -1 when the body goes on
   * past `buf`. Throws BadMessageError on malformed framing.
   */
  find(buf: Buffer, from = 0): number {
    let i = from;
    const length = buf.length;
    while (i < length) {
      switch (this.state) {
        case SIZE: {
          const byte = buf[i]!;
          const value = hexValue(byte);
          if (value >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw new BadMessageError(400, 'chunk size too large');
            this.size = this.size * 16 + value;
          } else if (this.digits > 0 && (byte === 59 || byte === 32 || byte === 9)) {
            this.state = EXTENSION;
          } else if (this.digits > 0 && byte === 13) {
            this.state = SIZE_LF;
          } else {
            throw new BadMessageError(400, 'malformed chunk size');
          }
          i++;
          break;
        }
        case EXTENSION: {
          const cr = buf.indexOf(13, i);
          if (cr < 0) return -1;
          this.state = SIZE_LF;
          i = cr + 1;
          break;
        }
        case SIZE_LF:
          if (buf[i] !== 10) throw new BadMessageError(400, 'malformed chunk size line');
          i++;
          this.state = this.size === 0 ? TRAILER_LINE_START : DATA;
          break;
        case DATA: {
          const n = Math.min(this.size, length - i);
          i += n;
          this.size -= n;
          if (this.size === 0) this.state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (buf[i] !== 13) throw new BadMessageError(400, 'chunk data longer than its size');
          i++;
          this.state = DATA_LF;
          break;
        case DATA_LF:
          if (buf[i] !== 10) throw new BadMessageError(400, 'chunk data longer than its size');
          i++;
          this.state = SIZE;
          this.digits = 0;
          break;
        case TRAILER_LINE_START:
          if (buf[i] === 13) {
            i++;
            this.state = END_LF;
          } else {
            this.state = TRAILER_LINE;
          }
          break;
        case TRAILER_LINE: {
          const lf = buf.indexOf(10, i);
          this.trailerBytes += (lf < 0 ? length : lf + 1) - i;
          if (this.trailerBytes > MAX_TRAILER_BYTES) throw new BadMessageError(431, 'chunked trailer too large');
          if (lf < 0) return -1;
          i = lf + 1;
          this.state = TRAILER_LINE_START;
          break;
        }
        default:
          if (buf[i] !== 10) throw new BadMessageError(400, 'malformed end of chunked body');
          this.reset();
          return i + 1;
      }
    }
    return -1;
  }

  reset(): void {
    this.state = SIZE;
    this.size = 0;
    this.digits = 0;
    this.trailerBytes = 0;
  }
}
