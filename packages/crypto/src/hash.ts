/**
 * @module
 * SHA-256 and content ids (`sha256:` + 64 lowercase hex, DECISIONS 2).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from './encoding.js'
import { InvalidIdError } from './errors.js'

let sha256Impl: (bytes: Uint8Array) => Uint8Array = (b) => nobleSha256(b)

/** @internal The Node entry point swaps in `node:crypto`. */
export function setSha256(impl: (bytes: Uint8Array) => Uint8Array): void {
  sha256Impl = impl
}

/** SHA-256 digest (32 bytes). */
export const sha256 = (bytes: Uint8Array): Uint8Array => sha256Impl(bytes)

/** The content id of `bytes`: `sha256:` + 64 lowercase hex. */
export const hashBytes = (bytes: Uint8Array): string => 'sha256:' + bytesToHex(sha256Impl(bytes))

const ID_RE = /^sha256:[0-9a-f]{64}$/

/** Whether `text` is a well-formed content id. */
export const isId = (text: unknown): text is string => typeof text === 'string' && ID_RE.test(text)

/**
 * Returns `text` when it is a well-formed content id.
 * @throws InvalidIdError (`INVALID_ID`) naming what is wrong.
 */
export function parseId(text: unknown): string {
  if (typeof text !== 'string') throw new InvalidIdError('id must be a string')
  if (ID_RE.test(text)) return text
  const colon = text.indexOf(':')
  if (colon < 0) throw new InvalidIdError(`id "${text.slice(0, 80)}" has no algorithm prefix`)
  if (text.slice(0, colon) !== 'sha256') throw new InvalidIdError(`id "${text.slice(0, 80)}" has an unknown algorithm`)
  const hex = text.slice(colon + 1)
  if (hex.length !== 64) throw new InvalidIdError(`id "${text.slice(0, 80)}" must have 64 hex digits`)
  throw new InvalidIdError(`id "${text.slice(0, 80)}" must be lowercase hex`)
}
