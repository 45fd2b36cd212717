import { describe, expect, it } from 'vitest'
import { base64ToBytes, bytesToBase64, formatPublicKey, generateSigningKey, hashBytes, parsePublicKey, sign, verify } from '@engram/crypto'

describe('smoke', () => {
  it('signs and verifies', async () => {
    const k = await generateSigningKey()
    const msg = new TextEncoder().encode('hi')
    const sig = await sign(msg, k.privateKey)
    expect(await verify(sig, msg, k.publicKey)).toBe(true)
    expect(parsePublicKey(formatPublicKey(k.publicKey))).toEqual(k.publicKey)
    expect(hashBytes(new Uint8Array())).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    for (const n of [0, 1, 2, 3, 4, 5, 31, 32, 64]) {
      const b = crypto.getRandomValues(new Uint8Array(n))
      expect(base64ToBytes(bytesToBase64(b))).toEqual(b)
      expect(bytesToBase64(b)).toBe(Buffer.from(b).toString('base64'))
    }
  })
})
