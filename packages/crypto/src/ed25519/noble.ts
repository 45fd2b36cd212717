/**
 * @module
 * The portable Ed25519 implementation: `@noble/ed25519` (pure JS, audited)
 * with `@noble/hashes` SHA-512. Works in every runtime; about a tenth of
 * the speed of `node:crypto`.
 */
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { checkBatch, checkMessage, checkSeed, checkVerifyArgs, type Ed25519 } from './types.js'

// noble's synchronous API needs a SHA-512; without it only the async API works.
ed.hashes.sha512 = sha512

// RFC 8032 strict decoding (canonical point encodings, small-order keys
// rejected) rather than noble's ZIP-215 default, so noble agrees with the
// native implementations on edge cases: every peer must reach the same verdict.
const VERIFY_OPTIONS = { zip215: false } as const

function verifyOne(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!checkVerifyArgs(signature, message, publicKey)) return false
  try {
    return ed.verify(signature, message, publicKey, VERIFY_OPTIONS)
  } catch {
    return false // undecodable point or scalar
  }
}

/** The pure-JS implementation; works everywhere. */
export const nobleEd25519: Ed25519 = {
  name: 'noble',
  async getPublicKey(seed) {
    return ed.getPublicKey(checkSeed(seed))
  },
  async importSigningKey(seed) {
    // noble re-derives the expanded key per signature; keeping our own copy
    // lets the caller wipe theirs.
    const secret = Uint8Array.from(checkSeed(seed))
    const publicKey = ed.getPublicKey(secret)
    return {
      publicKey,
      sign: async (message: Uint8Array) => ed.sign(checkMessage(message), secret),
    }
  },
  async sign(message, seed) {
    checkMessage(message)
    return ed.sign(message, checkSeed(seed))
  },
  async verify(signature, message, publicKey) {
    return verifyOne(signature, message, publicKey)
  },
  async verifyBatch(items) {
    // Pure JS gains nothing from concurrency: a plain loop.
    return checkBatch(items).map((i) => verifyOne(i.signature, i.message, i.publicKey))
  },
}
