import { describe, expect, it } from 'vitest'
import { open, randomBytes, seal, utf8Encode } from '@engram/crypto'
import { gcm } from '@noble/ciphers/aes.js'
import { createDecipheriv } from 'node:crypto'

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name
  }
  return undefined
}

const flipBit = (bytes: Uint8Array, bit: number) => {
  const out = bytes.slice()
  out[bit >> 3]! ^= 1 << (bit & 7)
  return out
}

describe('seal / open (AES-256-GCM)', () => {
  const key = randomBytes(32)
  const aad = utf8Encode('key-id-42')
  const secret = randomBytes(32)

  it('round-trips, with and without associated data, including empty plaintext', async () => {
    for (const plaintext of [secret, new Uint8Array(0), randomBytes(1000)]) {
      const a = await seal(key, plaintext, aad)
      expect(a.nonce).toHaveLength(12)
      expect(a.ciphertext).toHaveLength(plaintext.length + 16)
      expect(await open(key, a.nonce, a.ciphertext, aad)).toEqual(plaintext)
      const b = await seal(key, plaintext)
      expect(await open(key, b.nonce, b.ciphertext)).toEqual(plaintext)
    }
  })

  it('is standard AES-256-GCM (node:crypto opens it)', async () => {
    const { nonce, ciphertext } = await seal(key, secret, aad)
    const d = createDecipheriv('aes-256-gcm', key, nonce)
    d.setAAD(aad)
    d.setAuthTag(ciphertext.subarray(-16))
    const plain = Buffer.concat([d.update(ciphertext.subarray(0, -16)), d.final()])
    expect(new Uint8Array(plain)).toEqual(secret)
  })

  it('uses a fresh random nonce every time', async () => {
    const nonces = new Set<string>()
    for (let i = 0; i < 100; i++) nonces.add(Buffer.from((await seal(key, secret)).nonce).toString('hex'))
    expect(nonces.size).toBe(100)
  })

  it('a wrong key fails with DECRYPTION_FAILED, never garbage', async () => {
    const { nonce, ciphertext } = await seal(key, secret, aad)
    for (let i = 0; i < 20; i++) expect(await codeOf(open(randomBytes(32), nonce, ciphertext, aad))).toBe('DECRYPTION_FAILED')
    expect(await codeOf(open(flipBit(key, 0), nonce, ciphertext, aad))).toBe('DECRYPTION_FAILED')
  })

  it('flipping any single bit of ciphertext, nonce or associated data fails', async () => {
    const { nonce, ciphertext } = await seal(key, secret, aad)
    for (let bit = 0; bit < ciphertext.length * 8; bit++)
      expect(await codeOf(open(key, nonce, flipBit(ciphertext, bit), aad)), `ciphertext bit ${bit}`).toBe('DECRYPTION_FAILED')
    for (let bit = 0; bit < nonce.length * 8; bit++)
      expect(await codeOf(open(key, flipBit(nonce, bit), ciphertext, aad)), `nonce bit ${bit}`).toBe('DECRYPTION_FAILED')
    for (let bit = 0; bit < aad.length * 8; bit++)
      expect(await codeOf(open(key, nonce, ciphertext, flipBit(aad, bit))), `aad bit ${bit}`).toBe('DECRYPTION_FAILED')
  })

  it('missing, extra or changed-length associated data and truncation fail', async () => {
    const { nonce, ciphertext } = await seal(key, secret, aad)
    const cases = [
      open(key, nonce, ciphertext), // AAD dropped
      open(key, nonce, ciphertext, new Uint8Array(0)),
      open(key, nonce, ciphertext, Uint8Array.of(...aad, 0)),
      open(key, nonce, ciphertext.subarray(0, -1), aad),
      open(key, nonce, ciphertext.subarray(1), aad),
      open(key, nonce, ciphertext.subarray(0, 15), aad), // shorter than the tag
      open(key, nonce, new Uint8Array(0), aad),
      open(key, nonce, Uint8Array.of(...ciphertext, 0), aad),
      open(key, nonce.subarray(0, 11), ciphertext, aad), // wrong nonce length
      open(key, Uint8Array.of(...nonce, 0), ciphertext, aad),
    ]
    for (const c of cases) expect(await codeOf(c)).toBe('DECRYPTION_FAILED')
    const plain = await seal(key, secret)
    expect(await codeOf(open(key, plain.nonce, plain.ciphertext, aad))).toBe('DECRYPTION_FAILED') // AAD added
  })

  it('agrees with @noble/ciphers directly', async () => {
    const { nonce, ciphertext } = await seal(key, secret, aad)
    expect(gcm(key, nonce, aad).decrypt(ciphertext)).toEqual(secret)
  })

  it('rejects bad argument types (TypeError) and key lengths (RangeError)', async () => {
    const { nonce, ciphertext } = await seal(key, secret)
    for (const bad of [undefined, null, 'k', [1], new ArrayBuffer(32)] as unknown as Uint8Array[]) {
      await expect(seal(bad, secret)).rejects.toThrow(TypeError)
      await expect(open(bad, nonce, ciphertext)).rejects.toThrow(TypeError)
      if (bad !== undefined) {
        await expect(seal(key, secret, bad)).rejects.toThrow(TypeError)
        await expect(open(key, nonce, ciphertext, bad)).rejects.toThrow(TypeError)
      }
      await expect(seal(key, bad)).rejects.toThrow(TypeError)
      await expect(open(key, bad, ciphertext)).rejects.toThrow(TypeError)
      await expect(open(key, nonce, bad)).rejects.toThrow(TypeError)
    }
    for (const len of [0, 16, 24, 31, 33]) {
      await expect(seal(new Uint8Array(len), secret)).rejects.toThrow(RangeError)
      await expect(open(new Uint8Array(len), nonce, ciphertext)).rejects.toThrow(RangeError)
    }
  })
})
