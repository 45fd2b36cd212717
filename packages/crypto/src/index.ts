/**
 * @module
 * @engram/crypto: keys, signatures, hashes, password KDF and key encryption.
 * This is the portable entry (browsers and other runtimes): Ed25519 through
 * WebCrypto where it works, else `@noble/ed25519`; hashing through
 * `@noble/hashes`. On Node the `node` export condition loads
 * `index.node.ts` instead, which exports the same names backed by `node:crypto`.
 */
import { portableEd25519, shortcuts, type Ed25519 } from './ed25519/index.js'

export {
  EngramError,
  InvalidPublicKeyError,
  InvalidIdError,
  DecryptionFailedError,
  InvalidPasswordHashError,
  UnsupportedError,
  KeyWipedError,
} from './errors.js'
export {
  bytesToBase64,
  base64ToBytes,
  bytesToHex,
  hexToBytes,
  utf8Encode,
  utf8Decode,
  randomBytes,
  wipe,
  equalBytes,
} from './encoding.js'
export { sha256, nobleSha256, hashBytes, hashText, parseId, isId } from './hash.js'
export {
  argon2id,
  DEFAULT_ARGON2,
  ARGON2_LIMITS,
  parsePasswordHash,
  hashPassword,
  verifyPassword,
  deriveKey,
  type Argon2Params,
  type Argon2Implementation,
  type PasswordHash,
} from './password/index.js'
export { seal, open, type Sealed } from './aead.js'
export {
  nobleEd25519,
  webCryptoEd25519,
  isWebCryptoEd25519Supported,
  detectEd25519,
  formatPublicKey,
  parsePublicKey,
  isPublicKey,
  type Ed25519,
  type SigningKey,
  type VerifyItem,
  type KeyPair,
} from './ed25519/index.js'

/**
 * The default Ed25519 implementation for this platform. Here (portable
 * entry): a dispatcher that picks WebCrypto or noble on first use. On Node:
 * the `node:crypto` implementation.
 */
export const ed25519: Ed25519 = portableEd25519

const defaults = shortcuts(ed25519)

/**
 * A new Ed25519 key pair from the platform CSPRNG; `privateKey` is the
 * 32-byte seed.
 * @example const { publicKey, privateKey } = await generateSigningKey()
 */
export const generateSigningKey = defaults.generateSigningKey

/**
 * Signs with the default implementation (`ed25519.sign`).
 * @throws TypeError / RangeError on a non-byte message or a seed that is not 32 bytes.
 */
export const sign = defaults.sign

/**
 * Verifies with the default implementation (`ed25519.verify`); `false` on bad data.
 * @throws TypeError only when an argument is not a `Uint8Array`.
 */
export const verify = defaults.verify
