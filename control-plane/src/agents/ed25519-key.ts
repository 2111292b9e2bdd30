/**
 * Strict checks on Ed25519 points (RFC 8032 encodings), the ones libsodium and ed25519-dalek's
 * `verify_strict` make and node:crypto (OpenSSL) does not: with a small-order public key A,
 * [k]A takes one of at most 8 values, so a forged signature verifies for about 1 in 8 messages.
 * A public key must be canonical (y < p, no "negative zero"), on the curve and of prime order
 * (no small-order or mixed-order component); a signature's R must be canonical and not of small order.
 */
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const mod = (a: bigint) => ((a % P) + P) % P;
function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}
const inv = (a: bigint) => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

interface Point {
  x: bigint;
  y: bigint;
  z: bigint;
  t: bigint;
}
const IDENTITY: Point = { x: 0n, y: 1n, z: 1n, t: 0n };

/** Unified addition in extended coordinates (complete for edwards25519, so it doubles too). */
function add(p: Point, q: Point): Point {
  const a = mod((p.y - p.x) * (q.y - q.x));
  const b = mod((p.y + p.x) * (q.y + q.x));
  const c = mod(p.t * 2n * D * q.t);
  const d = mod(p.z * 2n * q.z);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return { x: mod(e * f), y: mod(g * h), t: mod(e * h), z: mod(f * g) };
}

function multiply(p: Point, k: bigint): Point {
  let result = IDENTITY;
  let addend = p;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

const isIdentity = (p: Point) => p.x === 0n && mod(p.y - p.z) === 0n;

/** The point of a 32-byte encoding, or why it is refused (non-canonical, not on the curve). */
function decode(bytes: Uint8Array): Point | string {
  if (bytes.length !== 32) return `must be 32 bytes, got ${bytes.length}`;
  const sign = (bytes[31]! >> 7) & 1;
  const y = yOf(bytes);
  if (y >= P) return 'non-canonical encoding (y >= p)';
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === mod(-u)) x = mod(x * SQRT_M1);
  else if (vx2 !== u) return 'not a point on the curve';
  if (x === 0n && sign === 1) return 'non-canonical encoding (negative zero)';
  if (Number(x & 1n) !== sign) x = P - x;
  return { x, y, z: 1n, t: mod(x * y) };
}

/** null when `bytes` is an acceptable Ed25519 public key, else why not. */
export function weakPublicKeyReason(bytes: Uint8Array): string | null {
  const point = decode(bytes);
  if (typeof point === 'string') return point;
  if (isIdentity(multiply(point, 8n))) return 'a small-order point (it would let anyone forge signatures)';
  if (!isIdentity(multiply(point, L))) return 'not in the prime-order subgroup (mixed-order point)';
  return null;
}

/** y of an encoding (sign bit cleared), little-endian. */
function yOf(bytes: Uint8Array): bigint {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? bytes[i]! & 0x7f : bytes[i]!);
  return y;
}

/** The y coordinates of the eight small-order points (each with both signs of x): 1, -1, 0 and the two of order 8. */
const SMALL_ORDER_Y = new Set([
  1n,
  P - 1n,
  0n,
  yOf(Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex')),
  yOf(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex')),
]);

/**
 * The cheap check of every verification (libsodium's blocklist): canonical y, not a small-order
 * point. The full check (on the curve, prime order, ~2 ms) runs once, at enrolment.
 */
export function smallOrderOrNonCanonical(bytes: Uint8Array): string | null {
  if (bytes.length !== 32) return `must be 32 bytes, got ${bytes.length}`;
  const y = yOf(bytes);
  if (y >= P) return 'non-canonical encoding (y >= p)';
  if (SMALL_ORDER_Y.has(y)) return 'a small-order point (it would let anyone forge signatures)';
  return null;
}

/** null when a signature's R (its first 32 bytes) is canonical and not of small order and S < L, else why not. */
export function weakSignatureReason(signature: Uint8Array): string | null {
  if (signature.length !== 64) return 'signature must be 64 bytes';
  const r = smallOrderOrNonCanonical(signature.subarray(0, 32));
  if (r) return `signature R: ${r}`;
  let sValue = 0n;
  for (let i = 63; i >= 32; i--) sValue = (sValue << 8n) | BigInt(signature[i]!);
  if (sValue >= L) return 'signature S is not reduced (S >= L)';
  return null;
}
