/**
 * @module
 * The Ed25519 interface, the portable `@noble/ed25519` implementation,
 * and the public-key text form `ed25519:<padded base64>`.
 */
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { base64ToBytes, bytesToBase64 } from './encoding.js'
import { InvalidPublicKeyError } from './errors.js'

ed.hashes.sha512 = sha512

/** A private key prepared for repeated signing. */
export interface SigningKey {
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Promise<Uint8Array>
}

export interface VerifyItem {
  signature: Uint8Array
  message: Uint8Array
  publicKey: Uint8Array
}

/** One Ed25519 implementation (RFC 8032; signatures are deterministic). */
export interface Ed25519 {
  readonly name: 'node' | 'webcrypto' | 'noble'
  /** 32-byte seed → 32-byte public key. */
  getPublicKey(seed: Uint8Array): Promise<Uint8Array>
  /** Prepares a seed for repeated signing (no re-import per signature). */
  importSigningKey(seed: Uint8Array): Promise<SigningKey>
  /** 64-byte signature of `message`. */
  sign(message: Uint8Array, seed: Uint8Array): Promise<Uint8Array>
  /** `false` for a wrong or undecodable signature or key; never throws on bad data. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean>
  /** One result per item, in order. */
  verifyBatch(items: readonly VerifyItem[]): Promise<boolean[]>
}

function checkSeed(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array)) throw new TypeError('Ed25519: private key must be a Uint8Array')
  if (seed.length !== 32) throw new RangeError('Ed25519: private key must be a 32-byte seed')
  return seed
}

/** The pure-JS implementation; works everywhere. */
export const nobleEd25519: Ed25519 = {
  name: 'noble',
  async getPublicKey(seed) {
    return ed.getPublicKey(checkSeed(seed))
  },
  async importSigningKey(seed) {
    const secret = Uint8Array.from(checkSeed(seed))
    const publicKey = ed.getPublicKey(secret)
    return { publicKey, sign: async (message) => ed.sign(message, secret) }
  },
  async sign(message, seed) {
    return ed.sign(message, checkSeed(seed))
  },
  async verify(signature, message, publicKey) {
    try {
      return ed.verify(signature, message, publicKey)
    } catch {
      return false
    }
  },
  async verifyBatch(items) {
    return Promise.all(items.map((i) => nobleEd25519.verify(i.signature, i.message, i.publicKey)))
  },
}

const PREFIX = 'ed25519:'

/** `ed25519:` + standard padded base64 of the 32 key bytes. */
export function formatPublicKey(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
    throw new TypeError('formatPublicKey: expected 32 bytes')
  return PREFIX + bytesToBase64(publicKey)
}

/**
 * Parses `ed25519:<base64>` into 32 bytes.
 * @throws InvalidPublicKeyError (`INVALID_PUBLIC_KEY`): wrong prefix, bad base64, or not 32 bytes.
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

export function isPublicKey(text: unknown): boolean {
  try {
    parsePublicKey(text)
    return true
  } catch {
    return false
  }
}
