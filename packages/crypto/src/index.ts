/**
 * @module
 * @engram/crypto: keys, signatures, hashes, password KDF and key encryption.
 * This entry is the portable one (browsers and other runtimes); on Node the
 * `node` export condition loads `index.node.ts`, which uses `node:crypto`.
 */
import { nobleEd25519, type Ed25519 } from './ed25519.js'
import { randomBytes } from './encoding.js'

export * from './errors.js'
export * from './encoding.js'
export * from './hash.js'
export * from './password.js'
export * from './aead.js'
export {
  nobleEd25519,
  formatPublicKey,
  parsePublicKey,
  isPublicKey,
  type Ed25519,
  type SigningKey,
  type VerifyItem,
} from './ed25519.js'

/** The default Ed25519 implementation for this platform. */
export const ed25519: Ed25519 = nobleEd25519

export async function generateSigningKey(): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }> {
  const privateKey = randomBytes(32)
  return { publicKey: await ed25519.getPublicKey(privateKey), privateKey }
}

export const sign = (message: Uint8Array, seed: Uint8Array) => ed25519.sign(message, seed)
export const verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) =>
  ed25519.verify(signature, message, publicKey)
