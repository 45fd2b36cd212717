/**
 * @module
 * Ed25519 through libsodium (`sodium-native`, prebuilt binaries inside the
 * npm package): the fastest signer and verifier Node can reach here, about
 * 1.6× node:crypto signing and 1.7× verifying. Node-only; an optional
 * dependency, so it is loaded with `require` at run time and a platform
 * where it cannot load falls back to node:crypto (see `select.node.ts`).
 *
 * libsodium's `crypto_sign_verify_detached` applies DECISIONS 19 by itself
 * (canonical encodings, S < L, small-order A and R refused, cofactorless
 * equation); the shared rules run first all the same, so every
 * implementation decides on the same checks.
 *
 * A prepared signing key keeps the 64-byte libsodium secret key (seed ‖
 * public key) in memory from `sodium_malloc` (guard pages, locked against
 * swapping where the system allows), which `wipe()` zero-fills with
 * `sodium_memzero`.
 */
import { Buffer } from 'node:buffer'
import { createRequire } from 'node:module'
import { astring } from '../_assert.js'
import { KeyWipedError } from '../errors.js'
import { passesSelfTestSync } from './selftest.js'
import { checkBatch, checkMessage, checkSeed, checkVerifyArgs, type Ed25519, type SigningKey, type VerifyItem } from './types.js'

/** The part of `sodium-native` this file uses. */
export interface SodiumBinding {
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
  sodium_malloc(size: number): Uint8Array
  sodium_memzero(buffer: Uint8Array): void
}

/**
 * Loads `sodium-native` (CommonJS, a native addon).
 * @throws whatever `require` throws where it is not installed or its binary cannot load.
 */
export function loadSodiumNative(): SodiumBinding {
  return createRequire(import.meta.url)('sodium-native') as SodiumBinding
}

/** Verifications between two yields to the event loop in {@link Ed25519.verifyBatch}. */
const BATCH_SLICE = 256

const bySodium = new WeakMap<SodiumBinding, Ed25519>()

/**
 * The libsodium implementation over `sodium` (a loaded `sodium-native`);
 * one object per binding. Prefer the package default (`ed25519` on Node),
 * which is this one when `sodium-native` loads and passes its self-test.
 */
export function createSodiumEd25519(sodium: SodiumBinding): Ed25519 {
  let impl = bySodium.get(sodium)
  if (impl === undefined) bySodium.set(sodium, (impl = build(sodium)))
  return impl
}

function build(sodium: SodiumBinding): Ed25519 {
  /** A secret key in guarded memory; plain memory where the system refuses more guarded pages. */
  function secretBuffer(): Uint8Array {
    try {
      return sodium.sodium_malloc(64)
    } catch {
      return new Uint8Array(64)
    }
  }

  function keyPair(seed: Uint8Array, secretKey: Uint8Array): Uint8Array {
    const publicKey = new Uint8Array(32)
    sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed)
    return publicKey
  }

  function signOnce(message: Uint8Array, seed: Uint8Array): Uint8Array {
    const secretKey = new Uint8Array(64)
    try {
      keyPair(seed, secretKey)
      const signature = new Uint8Array(64)
      sodium.crypto_sign_detached(signature, message, secretKey)
      return signature
    } finally {
      sodium.sodium_memzero(secretKey)
    }
  }

  function verifyOne(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    if (!checkVerifyArgs(signature, message, publicKey)) return false
    return sodium.crypto_sign_verify_detached(signature, message, publicKey)
  }

  return {
    name: 'sodium',
    async getPublicKey(seed) {
      const secretKey = new Uint8Array(64)
      try {
        return keyPair(checkSeed(seed), secretKey)
      } finally {
        sodium.sodium_memzero(secretKey)
      }
    },
    async importSigningKey(seed): Promise<SigningKey> {
      checkSeed(seed)
      const secretKey = secretBuffer()
      const publicKey = keyPair(seed, secretKey)
      let wiped = false
      const signBytes = (message: Uint8Array): Uint8Array => {
        if (wiped) throw new KeyWipedError()
        const signature = new Uint8Array(64)
        sodium.crypto_sign_detached(signature, message, secretKey)
        return signature
      }
      return {
        publicKey,
        sign: async (message: Uint8Array) => signBytes(checkMessage(message)),
        // Buffer.from takes small texts from Node's shared pool: no fresh ArrayBuffer per signature.
        signText: async (text: string) => signBytes(Buffer.from(astring(text, 'text'), 'utf8')),
        wipe: () => {
          wiped = true
          sodium.sodium_memzero(secretKey)
        },
      }
    },
    async sign(message, seed) {
      checkMessage(message)
      return signOnce(message, checkSeed(seed))
    },
    async verify(signature, message, publicKey) {
      return verifyOne(signature, message, publicKey)
    },
    async verifyBatch(items: readonly VerifyItem[]) {
      checkBatch(items)
      // libsodium has no asynchronous verify, and on Node it beats node:crypto's
      // thread-pool batch on one core: a plain loop, handing the event loop
      // back between slices so a large batch does not stall other work.
      const out: boolean[] = []
      for (let i = 0; i < items.length; i++) {
        if (i > 0 && i % BATCH_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve))
        const it = items[i]!
        out.push(verifyOne(it.signature, it.message, it.publicKey))
      }
      return out
    },
  }
}

/** @internal Whether `sodium` signs RFC 8032 TEST 1 exactly and gives the DECISIONS 19 verdicts on the built-in mixed-order cases. */
export function sodiumPassesSelfTest(sodium: SodiumBinding): boolean {
  const signOnce = (message: Uint8Array, seed: Uint8Array) => {
    const publicKey = new Uint8Array(32)
    const secretKey = new Uint8Array(64)
    sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed)
    const signature = new Uint8Array(64)
    sodium.crypto_sign_detached(signature, message, secretKey)
    sodium.sodium_memzero(secretKey)
    return signature
  }
  return passesSelfTestSync(signOnce, (s, m, k) => checkVerifyArgs(s, m, k) && sodium.crypto_sign_verify_detached(s, m, k))
}
