/**
 * @module
 * The public-key text form: `ed25519:` + standard padded base64 of the 32
 * key bytes, 52 characters (DECISIONS 2).
 */
import { abytes } from '../_assert.js'
import { base64ToBytes, bytesToBase64 } from '../encoding.js'
import { InvalidPublicKeyError } from '../errors.js'

const PREFIX = 'ed25519:'

/**
 * `ed25519:` + standard padded base64 of the 32 key bytes.
 * @throws TypeError / RangeError when `publicKey` is not 32 bytes.
 * @example formatPublicKey(new Uint8Array(32)) // 'ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='
 */
export function formatPublicKey(publicKey: Uint8Array): string {
  return PREFIX + bytesToBase64(abytes(publicKey, 32, 'publicKey'))
}

/**
 * Parses `ed25519:<base64>` into 32 bytes. Strict: the lowercase prefix,
 * canonical padded base64 (no whitespace, zero padding bits), 32 bytes.
 * (It does not check that the bytes are a curve point: `verify` returns
 * `false` for such a key.)
 * @throws InvalidPublicKeyError (`INVALID_PUBLIC_KEY`): not a string, wrong
 * prefix, bad base64, or not 32 bytes.
 */
export function parsePublicKey(text: unknown): Uint8Array {
  if (typeof text !== 'string') throw new InvalidPublicKeyError('public key must be a string')
  if (!text.startsWith(PREFIX)) throw new InvalidPublicKeyError('public key must start with "ed25519:"')
  let bytes: Uint8Array
  try {
    bytes = base64ToBytes(text.slice(PREFIX.length))
  } catch {
    throw new InvalidPublicKeyError('public key is not valid padded base64')
  }
  if (bytes.length !== 32) throw new InvalidPublicKeyError(`public key must be 32 bytes, got ${bytes.length}`)
  return bytes
}

/** Whether `text` parses with {@link parsePublicKey}; never throws. */
export function isPublicKey(text: unknown): boolean {
  try {
    parsePublicKey(text)
    return true
  } catch {
    return false
  }
}
