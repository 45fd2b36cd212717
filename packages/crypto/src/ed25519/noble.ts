/**
 * @module
 * The portable Ed25519 implementation: `@noble/ed25519` (pure JS, audited)
 * with `@noble/hashes` SHA-512. Works in every runtime; about a tenth of
 * the speed of `node:crypto`.
 *
 * Signing is noble's. Verification is not noble's `verify`, which checks the
 * cofactored equation [8][S]B = [8]R + [8][k]A (even with `zip215: false`)
 * and so accepts a signature whose R carries a torsion point. DECISIONS 19
 * asks for the cofactorless equation that libsodium, OpenSSL and BoringSSL
 * check, so this file computes it with noble's point arithmetic, the way
 * libsodium does: R' = [S]B − [k]A, encoded, must equal the bytes of R.
 */
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { equalBytes, wipe } from '../encoding.js'
import { KeyWipedError } from '../errors.js'
import { checkBatch, checkMessage, checkSeed, checkVerifyArgs, type Ed25519 } from './types.js'

// noble's synchronous API needs a SHA-512; without it only the async API works.
ed.hashes.sha512 = sha512

const L = 2n ** 252n + 27742317777372353535851937790883648493n
const { Point } = ed

/** The little-endian integer of `bytes[from, to)`. */
function leInteger(bytes: Uint8Array, from: number, to: number): bigint {
  let n = 0n
  for (let i = to - 1; i >= from; i--) n = (n << 8n) | BigInt(bytes[i]!)
  return n
}

/** The cofactorless check of a signature that passed the shared rules. */
function equationHolds(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  let A: InstanceType<typeof Point>
  try {
    A = Point.fromBytes(publicKey, false) // strict RFC 8032 decoding: on the curve, canonical
  } catch {
    return false // not a point
  }
  const r = signature.subarray(0, 32)
  const input = new Uint8Array(64 + message.length)
  input.set(r)
  input.set(publicKey, 32)
  input.set(message, 64)
  const digest = sha512(input)
  const k = leInteger(digest, 0, 64) % L // k = SHA-512(R ‖ A ‖ M) mod L
  const s = leInteger(signature, 32, 64) // < L: the shared rules checked it
  // Public values only: the unsafe (variable-time) multiplications are fine, and allow 0.
  const check = Point.BASE.multiply(s, false).subtract(A.multiply(k, false))
  return equalBytes(check.toBytes(), r)
}

function verifyOne(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!checkVerifyArgs(signature, message, publicKey)) return false
  return equationHolds(signature, message, publicKey)
}

/** The pure-JS implementation; works everywhere. */
export const nobleEd25519: Ed25519 = {
  name: 'noble',
  async getPublicKey(seed) {
    return ed.getPublicKey(checkSeed(seed))
  },
  async importSigningKey(seed) {
    // noble re-derives the expanded key per signature; keeping our own copy
    // lets the caller wipe theirs, and `wipe()` zero-fills ours.
    const secret = Uint8Array.from(checkSeed(seed))
    const publicKey = ed.getPublicKey(secret)
    let wiped = false
    return {
      publicKey,
      sign: async (message: Uint8Array) => {
        checkMessage(message)
        if (wiped) throw new KeyWipedError()
        return ed.sign(message, secret)
      },
      wipe: () => {
        wiped = true
        wipe(secret)
      },
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
