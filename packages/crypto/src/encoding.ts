/**
 * @module
 * Byte/string conversions used across Engram: standard padded base64
 * (RFC 4648 §4, the form of signatures and public keys, DECISIONS 2), hex,
 * UTF-8, randomness and small byte helpers.
 */
import { abytes, aint, astring } from './_assert.js'

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_LOOKUP = new Int16Array(128).fill(-1)
for (let i = 0; i < B64.length; i++) B64_LOOKUP[B64.charCodeAt(i)] = i

const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0))
const PAD = 0x3d // '='

/** One flat string from character codes (`+=` would leave a rope of small pieces that outlives the call). */
function codesToString(codes: Uint8Array): string {
  const CHUNK = 8192 // well under any engine's argument limit
  if (codes.length <= CHUNK) return String.fromCharCode.apply(null, codes as unknown as number[])
  const parts: string[] = []
  for (let i = 0; i < codes.length; i += CHUNK) parts.push(String.fromCharCode.apply(null, codes.subarray(i, i + CHUNK) as unknown as number[]))
  return parts.join('')
}

/**
 * Standard base64 with `=` padding.
 * @throws TypeError when `bytes` is not a `Uint8Array`.
 * @example bytesToBase64(new Uint8Array([1, 2, 3])) // 'AQID'
 */
export function bytesToBase64(bytes: Uint8Array): string {
  abytes(bytes, undefined, 'bytes')
  return nativeBase64 === undefined ? portableBase64(bytes) : nativeBase64(bytes)
}

let nativeBase64: ((bytes: Uint8Array) => string) | undefined

/** @internal The Node entry point swaps in `Buffer`'s base64 (same output). Not exported from the package. */
export function setBase64Encoder(impl: (bytes: Uint8Array) => string): void {
  nativeBase64 = impl
}

/** @internal The portable encoder (what browsers run); exported for tests, not from the package. */
export function portableBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4)
  let o = 0
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out[o++] = B64_CODES[n >> 18]!
    out[o++] = B64_CODES[(n >> 12) & 63]!
    out[o++] = B64_CODES[(n >> 6) & 63]!
    out[o++] = B64_CODES[n & 63]!
  }
  const rest = bytes.length - i
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0)
    out[o++] = B64_CODES[n >> 18]!
    out[o++] = B64_CODES[(n >> 12) & 63]!
    out[o++] = rest === 2 ? B64_CODES[(n >> 6) & 63]! : PAD
    out[o++] = PAD
  }
  return codesToString(out)
}

/**
 * Decodes standard padded base64 strictly: length a multiple of 4, only the
 * standard alphabet, padding only at the end, unused bits zero — so every
 * byte string has exactly one accepted text form (no malleable encodings).
 * @throws TypeError on anything else (it is a conversion helper; callers that
 * read stored data turn this into their own typed error).
 * @example base64ToBytes('AQID') // Uint8Array [1, 2, 3]
 */
export function base64ToBytes(text: string): Uint8Array {
  astring(text, 'base64 text')
  if (text.length % 4 !== 0) throw new TypeError('base64ToBytes: length is not a multiple of 4')
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const out = new Uint8Array((text.length / 4) * 3 - pad)
  let o = 0
  for (let i = 0; i < text.length; i += 4) {
    const padHere = i + 4 === text.length ? pad : 0
    let n = 0
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j)
      const d = j >= 4 - padHere ? 0 : c < 128 ? B64_LOOKUP[c]! : -1
      if (d < 0) throw new TypeError(`base64ToBytes: invalid character at ${i + j}`)
      n = (n << 6) | d
    }
    if ((padHere === 2 && (n & 0xffff) !== 0) || (padHere === 1 && (n & 0xff) !== 0))
      throw new TypeError('base64ToBytes: non-zero padding bits')
    if (o < out.length) out[o++] = n >> 16
    if (o < out.length) out[o++] = (n >> 8) & 255
    if (o < out.length) out[o++] = n & 255
  }
  return out
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/**
 * Lowercase hex.
 * @throws TypeError when `bytes` is not a `Uint8Array`.
 */
export function bytesToHex(bytes: Uint8Array): string {
  abytes(bytes, undefined, 'bytes')
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]!
  return out
}

/**
 * Hex (either case) to bytes.
 * @throws TypeError on a non-string, odd length or a non-hex character.
 */
export function hexToBytes(hex: string): Uint8Array {
  astring(hex, 'hex')
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw new TypeError('hexToBytes: expected an even-length hex string')
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * UTF-8 bytes of `text`.
 * @throws TypeError when `text` is not a string.
 */
export const utf8Encode = (text: string): Uint8Array => encoder.encode(astring(text, 'text'))

/**
 * Text of UTF-8 `bytes`.
 * @throws TypeError on a non-`Uint8Array` or invalid UTF-8.
 */
export const utf8Decode = (bytes: Uint8Array): string => decoder.decode(abytes(bytes, undefined, 'bytes'))

/**
 * `length` cryptographically random bytes (the platform CSPRNG).
 * @throws TypeError / RangeError when `length` is not a non-negative integer.
 */
export function randomBytes(length: number): Uint8Array {
  aint(length, 0, 2 ** 31 - 1, 'length')
  const out = new Uint8Array(length)
  // getRandomValues fills at most 65536 bytes per call.
  for (let i = 0; i < length; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, i + 65536))
  return out
}

/**
 * Zero-fills secret bytes once they are no longer needed; `undefined`
 * entries are skipped.
 * @throws TypeError when an argument is neither a `Uint8Array` nor `undefined`.
 */
export function wipe(...arrays: (Uint8Array | undefined)[]): void {
  for (const a of arrays) if (a !== undefined) abytes(a, undefined, 'wipe argument').fill(0)
}

/**
 * Equality of two byte arrays; the time taken depends only on the lengths,
 * not on where they differ.
 * @throws TypeError when either is not a `Uint8Array`.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  abytes(a, undefined, 'a')
  abytes(b, undefined, 'b')
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}
