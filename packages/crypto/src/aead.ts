/**
 * @module
 * Key encryption at rest (DECISIONS 10): AES-256-GCM (`@noble/ciphers`)
 * with a fresh random 12-byte nonce per message; `ciphertext` carries the
 * 16-byte tag at its end. Random 96-bit nonces are safe for the small
 * number of messages one password-derived key seals (NIST SP 800-38D §8.3).
 */
import { gcm } from '@noble/ciphers/aes.js'
import { abytes, aoptbytes } from './_assert.js'
import { randomBytes } from './encoding.js'
import { DecryptionFailedError } from './errors.js'

/** What {@link seal} returns; store both (neither is secret). */
export interface Sealed {
  /** 12 random bytes. */
  nonce: Uint8Array
  /** Encrypted bytes followed by the 16-byte authentication tag. */
  ciphertext: Uint8Array
}

const NONCE_LENGTH = 12
const TAG_LENGTH = 16

/**
 * Encrypts and authenticates `plaintext`, and authenticates
 * `associatedData` (e.g. the key id) without storing it.
 * @throws TypeError / RangeError when `key` is not 32 bytes or the others are not bytes.
 * @example const { nonce, ciphertext } = await seal(key, secret, utf8Encode(keyId))
 */
export async function seal(key: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Promise<Sealed> {
  abytes(key, 32, 'key')
  abytes(plaintext, undefined, 'plaintext')
  const aad = aoptbytes(associatedData, 'associatedData')
  const nonce = randomBytes(NONCE_LENGTH)
  const ciphertext = gcm(key, nonce, aad).encrypt(plaintext)
  return { nonce, ciphertext }
}

/**
 * Opens what {@link seal} produced; the same `associatedData` must be given.
 * @throws DecryptionFailedError (`DECRYPTION_FAILED`) on a wrong key, a wrong
 *   nonce length, a too-short ciphertext, or any change to ciphertext, nonce
 *   or associated data — never garbage plaintext.
 * @throws TypeError / RangeError when `key` is not 32 bytes or the others are not bytes.
 */
export async function open(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  associatedData?: Uint8Array,
): Promise<Uint8Array> {
  abytes(key, 32, 'key')
  abytes(nonce, undefined, 'nonce')
  abytes(ciphertext, undefined, 'ciphertext')
  const aad = aoptbytes(associatedData, 'associatedData')
  // Stored data, not a caller bug: a malformed nonce or a truncated
  // ciphertext is a failed decryption like any other tampering.
  if (nonce.length !== NONCE_LENGTH) throw new DecryptionFailedError('nonce must be 12 bytes')
  if (ciphertext.length < TAG_LENGTH) throw new DecryptionFailedError('ciphertext is shorter than its tag')
  try {
    return gcm(key, nonce, aad).decrypt(ciphertext)
  } catch {
    throw new DecryptionFailedError()
  }
}
