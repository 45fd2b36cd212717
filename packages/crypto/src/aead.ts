/**
 * @module
 * Key encryption at rest: AES-256-GCM with a fresh random 12-byte nonce.
 */
import { gcm } from '@noble/ciphers/aes.js'
import { randomBytes } from './encoding.js'
import { DecryptionFailedError } from './errors.js'

export interface Sealed {
  nonce: Uint8Array
  ciphertext: Uint8Array
}

function checkKey(key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new RangeError('AEAD key must be 32 bytes')
  return key
}

/** Encrypts and authenticates `plaintext` (and `associatedData`, if given). */
export async function seal(key: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Promise<Sealed> {
  const nonce = randomBytes(12)
  const ciphertext = gcm(checkKey(key), nonce, associatedData).encrypt(plaintext)
  return { nonce, ciphertext }
}

/** @throws DecryptionFailedError (`DECRYPTION_FAILED`) on a wrong key or any tampering. */
export async function open(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  associatedData?: Uint8Array,
): Promise<Uint8Array> {
  checkKey(key)
  if (!(nonce instanceof Uint8Array) || nonce.length !== 12) throw new DecryptionFailedError('nonce must be 12 bytes')
  try {
    return gcm(key, nonce, associatedData).decrypt(ciphertext)
  } catch {
    throw new DecryptionFailedError()
  }
}
