/**
 * @module
 * Byte/string conversions used across Engram: standard padded base64, hex,
 * UTF-8, and small byte helpers.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_LOOKUP = new Int16Array(128).fill(-1)
for (let i = 0; i < B64.length; i++) B64_LOOKUP[B64.charCodeAt(i)] = i

/** Standard base64 with `=` padding. */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + '=='
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '='
  }
  return out
}

/**
 * Decodes standard padded base64 strictly: length a multiple of 4, only the
 * standard alphabet, padding only at the end, unused bits zero.
 * @throws TypeError on anything else.
 */
export function base64ToBytes(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError('base64ToBytes: expected a string')
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

/** Lowercase hex. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]!
  return out
}

/** @throws TypeError on odd length or a non-hex character. */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw new TypeError('hexToBytes: expected an even-length hex string')
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export const utf8Encode = (text: string): Uint8Array => encoder.encode(text)
/** @throws TypeError on invalid UTF-8. */
export const utf8Decode = (bytes: Uint8Array): string => decoder.decode(bytes)

/** Cryptographically random bytes. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, i + 65536))
  return out
}

/** Zero-fills secret bytes once they are no longer needed. */
export function wipe(...arrays: (Uint8Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0)
}

/** Constant-time-ish equality of two byte arrays. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}
