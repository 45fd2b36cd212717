/**
 * @module
 * The portable default: a small dispatcher that picks WebCrypto when
 * `crypto.subtle` signs Ed25519 correctly, else `@noble/ed25519`. The
 * choice is made once, lazily, on first use (feature detection is async),
 * so `ed25519` can still be handed around synchronously as an object.
 */
import { randomBytes } from '../encoding.js'
import { nobleEd25519 } from './noble.js'
import type { Ed25519, SigningKey, VerifyItem } from './types.js'
import { isWebCryptoEd25519Supported, webCryptoEd25519 } from './webcrypto.js'

let chosen: Ed25519 | undefined
let choosing: Promise<Ed25519> | undefined

/**
 * The implementation the portable default uses on this platform: WebCrypto
 * when it passes the RFC 8032 self-test, else noble. Resolved once.
 * (The Node entry point returns the `node:crypto` implementation.)
 */
export function detectEd25519(): Promise<Ed25519> {
  choosing ??= isWebCryptoEd25519Supported().then((ok) => (chosen = ok ? webCryptoEd25519() : nobleEd25519))
  return choosing
}

const impl = (): Ed25519 | Promise<Ed25519> => chosen ?? detectEd25519()

/**
 * The portable default Ed25519. `name` reads `'noble'` until the first call
 * (or `await detectEd25519()`) has made the choice, then the chosen name.
 */
export const portableEd25519: Ed25519 = {
  get name() {
    return chosen?.name ?? 'noble'
  },
  async getPublicKey(seed: Uint8Array): Promise<Uint8Array> {
    return (await impl()).getPublicKey(seed)
  },
  async importSigningKey(seed: Uint8Array): Promise<SigningKey> {
    return (await impl()).importSigningKey(seed)
  },
  async sign(message: Uint8Array, seed: Uint8Array): Promise<Uint8Array> {
    return (await impl()).sign(message, seed)
  },
  async verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
    return (await impl()).verify(signature, message, publicKey)
  },
  async verifyBatch(items: readonly VerifyItem[]): Promise<boolean[]> {
    return (await impl()).verifyBatch(items)
  },
}

/** A new key pair; `privateKey` is the 32-byte seed (keep it secret, `wipe` it when done). */
export interface KeyPair {
  publicKey: Uint8Array
  privateKey: Uint8Array
}

/** @internal The shortcut functions, bound to one implementation (each entry point binds its default). */
export function shortcuts(ed: Ed25519) {
  return {
    async generateSigningKey(): Promise<KeyPair> {
      const privateKey = randomBytes(32)
      return { publicKey: await ed.getPublicKey(privateKey), privateKey }
    },
    sign: (message: Uint8Array, seed: Uint8Array): Promise<Uint8Array> => ed.sign(message, seed),
    verify: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> =>
      ed.verify(signature, message, publicKey),
  }
}
