/**
 * @module
 * SHA-256 through `node:crypto` (about 10× `@noble/hashes` on large inputs),
 * and base64 through `Buffer`, for the Node entry point.
 */
import { Buffer } from 'node:buffer'
import * as nodeCrypto from 'node:crypto'

const { createHash } = nodeCrypto
// `crypto.hash` (one-shot, no Hash object) exists from Node 20.12 / 21.7.
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array | string, encoding: 'hex') => string }).hash

/** SHA-256 digest via OpenSSL; a plain `Uint8Array` view of the digest. */
export function nodeSha256(bytes: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(bytes).digest()
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
}

/**
 * SHA-256 as 64 lowercase hex via OpenSSL; a string is hashed as its UTF-8
 * bytes (what `TextEncoder` gives: the canonical texts hashed here are
 * well-formed, `JSON.stringify` escapes lone surrogates).
 */
export function nodeSha256Hex(data: Uint8Array | string): string {
  return oneShot !== undefined ? oneShot('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex')
}

/** Standard padded base64 through `Buffer` (a view, no copy of the bytes). */
export function nodeBase64(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return buffer.toString('base64')
}
