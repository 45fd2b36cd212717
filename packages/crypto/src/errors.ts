/**
 * @module
 * `EngramError`, the base of every typed error in Engram, and the crypto
 * package's own codes. Every package re-exports `EngramError`; codes are
 * stable strings, messages may change.
 */

/** Base class of every Engram error; `code` is part of the contract. */
export class EngramError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** `INVALID_PUBLIC_KEY`: a public key string is not `ed25519:` + padded base64 of 32 bytes. */
export class InvalidPublicKeyError extends EngramError {
  constructor(message: string) {
    super('INVALID_PUBLIC_KEY', message)
  }
}

/** `INVALID_ID`: a content id is not `sha256:` + 64 lowercase hex. */
export class InvalidIdError extends EngramError {
  constructor(message: string) {
    super('INVALID_ID', message)
  }
}

/** `DECRYPTION_FAILED`: sealed bytes did not open (wrong key, or tampered ciphertext, nonce or associated data). */
export class DecryptionFailedError extends EngramError {
  constructor(message = 'decryption failed: wrong key or tampered data') {
    super('DECRYPTION_FAILED', message)
  }
}

/** `INVALID_PASSWORD_HASH`: a stored password hash is not an Argon2id PHC string this package accepts. */
export class InvalidPasswordHashError extends EngramError {
  constructor(message: string) {
    super('INVALID_PASSWORD_HASH', message)
  }
}

/** `UNSUPPORTED`: the platform lacks what an explicitly requested implementation needs (e.g. WebCrypto). */
export class UnsupportedError extends EngramError {
  constructor(message: string) {
    super('UNSUPPORTED', message)
  }
}

/** `KEY_WIPED`: a `SigningKey` was asked to sign after its `wipe()` (e.g. after the session logged out). */
export class KeyWipedError extends EngramError {
  constructor(message = 'this signing key was wiped') {
    super('KEY_WIPED', message)
  }
}
