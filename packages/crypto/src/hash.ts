/**
 * @module
 * SHA-256 and content ids: `sha256:` + 64 lowercase hex (DECISIONS 2).
 * Hashing stays synchronous on every platform: `@noble/hashes` by default,
 * `node:crypto` once the Node entry point has swapped it in (WebCrypto's
 * digest is async only, so browsers keep noble).
 */
import { sha256 as nobleSha256Impl } from '@noble/hashes/sha2.js'
import { abytes, astring } from './_assert.js'
import { bytesToHex, utf8Encode } from './encoding.js'
import { InvalidIdError } from './errors.js'

let sha256Impl: (bytes: Uint8Array) => Uint8Array = nobleSha256Impl
/** A native SHA-256 straight to lowercase hex (bytes, or a string hashed as its UTF-8), when the platform has one. */
let sha256HexImpl: ((data: Uint8Array | string) => string) | undefined

/**
 * The pure-JS SHA-256 (`@noble/hashes`), whatever the platform default is;
 * for explicit use and comparison (`nodeSha256` is in `@engram/crypto/node`).
 */
export const nobleSha256 = (bytes: Uint8Array): Uint8Array => nobleSha256Impl(abytes(bytes, undefined, 'bytes'))

/**
 * @internal The Node entry point swaps in `node:crypto` (and its one-shot
 * hex digest, which also hashes a string without a separate UTF-8 copy).
 * Not exported from the package.
 */
export function setSha256(impl: (bytes: Uint8Array) => Uint8Array, hexImpl?: (data: Uint8Array | string) => string): void {
  sha256Impl = impl
  sha256HexImpl = hexImpl
}

/**
 * SHA-256 digest (32 bytes), synchronous.
 * @throws TypeError when `bytes` is not a `Uint8Array`.
 * @example bytesToHex(sha256(utf8Encode('abc'))) // 'ba7816bf…'
 */
export const sha256 = (bytes: Uint8Array): Uint8Array => sha256Impl(abytes(bytes, undefined, 'bytes'))

/**
 * The content id of `bytes`: `sha256:` + 64 lowercase hex.
 * @throws TypeError when `bytes` is not a `Uint8Array`.
 * @example hashBytes(new Uint8Array()) // 'sha256:e3b0c442…b855'
 */
export function hashBytes(bytes: Uint8Array): string {
  abytes(bytes, undefined, 'bytes')
  return 'sha256:' + (sha256HexImpl === undefined ? bytesToHex(sha256Impl(bytes)) : sha256HexImpl(bytes))
}

/**
 * The content id of the UTF-8 bytes of `text`: the same as
 * `hashBytes(utf8Encode(text))`, without the intermediate bytes where the
 * platform can hash a string directly.
 * @throws TypeError when `text` is not a string.
 * @example hashText('abc') === hashBytes(utf8Encode('abc')) // true
 */
export function hashText(text: string): string {
  astring(text, 'text')
  return 'sha256:' + (sha256HexImpl === undefined ? bytesToHex(sha256Impl(utf8Encode(text))) : sha256HexImpl(text))
}

const ID_RE = /^sha256:[0-9a-f]{64}$/

/** Whether `text` is a well-formed content id; never throws. */
export const isId = (text: unknown): text is string => typeof text === 'string' && ID_RE.test(text)

/**
 * Returns `text` when it is a well-formed content id.
 * @throws InvalidIdError (`INVALID_ID`) naming what is wrong: not a string,
 * no or unknown algorithm prefix, wrong digest length, not lowercase hex.
 */
export function parseId(text: unknown): string {
  if (typeof text !== 'string') throw new InvalidIdError('id must be a string')
  if (ID_RE.test(text)) return text
  const shown = JSON.stringify(text.slice(0, 80))
  const colon = text.indexOf(':')
  if (colon < 0) throw new InvalidIdError(`id ${shown} has no algorithm prefix`)
  if (text.slice(0, colon) !== 'sha256') throw new InvalidIdError(`id ${shown} has an unknown algorithm`)
  const hex = text.slice(colon + 1)
  if (hex.length !== 64) throw new InvalidIdError(`id ${shown} must have 64 hex digits, has ${hex.length}`)
  throw new InvalidIdError(`id ${shown} must be lowercase hex`)
}
