/**
 * @module
 * The Ed25519 interface every implementation satisfies (RFC 8032,
 * PureEdDSA; signatures are deterministic, so all implementations produce
 * the same bytes), and the argument checks they share (internal).
 */
import { abytes } from '../_assert.js'
import { passesSignatureRules } from './rules.js'

/** A private key prepared for repeated signing (imported once). */
export interface SigningKey {
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array
  /**
   * The 64-byte signature of `message`.
   * @throws TypeError when `message` is not a `Uint8Array`.
   */
  sign(message: Uint8Array): Promise<Uint8Array>
  /**
   * Optional: the signature of the UTF-8 bytes of `text`, the same as
   * `sign(utf8Encode(text))`, for implementations that can hand the text to
   * the signer without allocating a fresh copy of its bytes (node:crypto,
   * whose result is a `Buffer`, a `Uint8Array` subclass).
   * @throws TypeError when `text` is not a string.
   */
  signText?(text: string): Promise<Uint8Array>
  /**
   * Optional: forgets the private key. Where the implementation holds the
   * secret in memory it can reach, it is zero-filled (libsodium: the
   * guarded `sodium_malloc` buffer, with `sodium_memzero`; noble: its copy
   * of the seed). node:crypto and WebCrypto keep keys in opaque objects
   * that cannot be wiped: the reference is dropped and the object waits for
   * the garbage collector. Afterwards `sign` and `signText` reject with
   * `KEY_WIPED`. Idempotent.
   */
  wipe?(): void
}

/** One signature to check in {@link Ed25519.verifyBatch}. */
export interface VerifyItem {
  signature: Uint8Array
  message: Uint8Array
  publicKey: Uint8Array
}

/** One Ed25519 implementation (RFC 8032; signatures are deterministic). */
export interface Ed25519 {
  /** Which implementation: libsodium (`sodium-native`), `node:crypto`, WebCrypto or `@noble/ed25519`. */
  readonly name: 'sodium' | 'node' | 'webcrypto' | 'noble'
  /**
   * 32-byte seed (the private key) → 32-byte public key.
   * @throws TypeError / RangeError when `seed` is not 32 bytes.
   */
  getPublicKey(seed: Uint8Array): Promise<Uint8Array>
  /**
   * Prepares a seed for repeated signing (no re-import per signature). The
   * implementation keeps its own copy or key object; the caller may wipe `seed`.
   * @throws TypeError / RangeError when `seed` is not 32 bytes.
   */
  importSigningKey(seed: Uint8Array): Promise<SigningKey>
  /**
   * 64-byte signature of `message` (imports the seed each call: prefer
   * {@link Ed25519.importSigningKey} for many signatures).
   * @throws TypeError / RangeError on a non-byte message or a seed that is not 32 bytes.
   */
  sign(message: Uint8Array, seed: Uint8Array): Promise<Uint8Array>
  /**
   * Whether `signature` is a valid signature of `message` by `publicKey`.
   * `false` for a wrong or undecodable signature or key, including wrong
   * lengths: bad data never throws.
   * @throws TypeError only when an argument is not a `Uint8Array`.
   */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean>
  /**
   * {@link Ed25519.verify} for many items at once — concurrently where the
   * implementation allows. One result per item, in order.
   * @throws TypeError when `items` is not an array of items with byte fields.
   */
  verifyBatch(items: readonly VerifyItem[]): Promise<boolean[]>
}

/** @internal */
export const checkSeed = (seed: unknown): Uint8Array => abytes(seed, 32, 'seed')

/** @internal */
export const checkMessage = (message: unknown): Uint8Array => abytes(message, undefined, 'message')

/**
 * @internal Type-checks verify's arguments; returns whether the signature is
 * worth checking at all under DECISIONS 19 (lengths, canonical A and R,
 * S < L, neither A nor R of small order: see `rules.ts`). Every
 * implementation calls this before its own equation, so all reach one verdict.
 */
export function checkVerifyArgs(signature: unknown, message: unknown, publicKey: unknown): boolean {
  const sig = abytes(signature, undefined, 'signature')
  abytes(message, undefined, 'message')
  const key = abytes(publicKey, undefined, 'publicKey')
  return passesSignatureRules(sig, key)
}

/** @internal Type-checks a whole batch before any work starts. */
export function checkBatch(items: unknown): readonly VerifyItem[] {
  if (!Array.isArray(items)) throw new TypeError('verifyBatch: items must be an array')
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i]
    if (typeof item !== 'object' || item === null) throw new TypeError(`verifyBatch: items[${i}] must be an object`)
    const { signature, message, publicKey } = item as Record<string, unknown>
    abytes(signature, undefined, `items[${i}].signature`)
    abytes(message, undefined, `items[${i}].message`)
    abytes(publicKey, undefined, `items[${i}].publicKey`)
  }
  return items as readonly VerifyItem[]
}

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows (RFC 8410 §7). */
export const PKCS8_PREFIX = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
)

/** DER prefix of an SPKI Ed25519 public key; the 32 key bytes follow (RFC 8410 §4). */
export const SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00)

/** @internal PKCS#8 DER of `seed`; the caller wipes it after import. */
export function pkcs8FromSeed(seed: Uint8Array): Uint8Array {
  const der = new Uint8Array(PKCS8_PREFIX.length + 32)
  der.set(PKCS8_PREFIX)
  der.set(seed, PKCS8_PREFIX.length)
  return der
}
