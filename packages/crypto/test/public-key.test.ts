import { describe, expect, it } from 'vitest'
import { formatPublicKey, isPublicKey, parsePublicKey, randomBytes } from '@engram/crypto'
import { Buffer } from 'node:buffer'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

describe('formatPublicKey / parsePublicKey', () => {
  it('round-trips: ed25519: + 44 chars of padded standard base64', () => {
    for (let i = 0; i < 50; i++) {
      const key = randomBytes(32)
      const text = formatPublicKey(key)
      expect(text).toBe('ed25519:' + Buffer.from(key).toString('base64'))
      expect(text).toHaveLength(52)
      expect(parsePublicKey(text)).toEqual(key)
      expect(isPublicKey(text)).toBe(true)
    }
  })

  it('rejects a wrong prefix, bad base64 and wrong lengths with INVALID_PUBLIC_KEY', () => {
    const good = formatPublicKey(new Uint8Array(32).fill(7))
    const body = good.slice('ed25519:'.length)
    const bad = [
      '', // empty
      body, // no prefix
      'ED25519:' + body, // prefix must be lowercase
      'ed25519' + body,
      'ed448:' + body,
      ' ' + good,
      good + ' ',
      good + '\n',
      'ed25519:' + body.slice(0, -1), // padding missing
      'ed25519:' + body.replace(/=$/, 'A'), // 33 bytes worth of chars, unpadded
      'ed25519:' + body.replace(/\+|\//g, '-').replace(/^./, '_'), // url-safe alphabet
      'ed25519:' + body.slice(0, -2) + 'B=', // non-zero padding bits
      'ed25519:' + Buffer.alloc(31).toString('base64'),
      'ed25519:' + Buffer.alloc(33).toString('base64'),
      'ed25519:' + Buffer.alloc(64).toString('base64'),
      'ed25519:',
    ]
    for (const text of bad) {
      expect(codeOf(() => parsePublicKey(text)), JSON.stringify(text)).toBe('INVALID_PUBLIC_KEY')
      expect(isPublicKey(text)).toBe(false)
    }
    for (const notText of [undefined, null, 42, {}, new Uint8Array(32)]) {
      expect(codeOf(() => parsePublicKey(notText))).toBe('INVALID_PUBLIC_KEY')
      expect(isPublicKey(notText)).toBe(false)
    }
  })

  it('formatPublicKey rejects non-bytes (TypeError) and wrong lengths (RangeError)', () => {
    for (const bad of [undefined, 'abc', [1, 2], new ArrayBuffer(32)])
      expect(() => formatPublicKey(bad as unknown as Uint8Array)).toThrow(TypeError)
    for (const len of [0, 31, 33, 64]) expect(() => formatPublicKey(new Uint8Array(len))).toThrow(RangeError)
  })
})
