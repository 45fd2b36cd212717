import { describe, expect, it } from 'vitest'
import { argon2id, ARGON2_LIMITS, bytesToHex, DEFAULT_ARGON2, hexToBytes, parsePasswordHash, utf8Encode } from '@engram/crypto'
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js'
import vectors from './vectors/argon2id.json' with { type: 'json' }

describe('Argon2id known answers', () => {
  it('RFC 9106 §5.3 (secret + associated data) on @noble/hashes, the reference engine', () => {
    // hash-wasm takes no associated data, so the RFC vector runs on noble;
    // hash-wasm is held to noble and to the reference implementation's own answers below.
    const v = vectors.rfc9106
    const tag = nobleArgon2id(hexToBytes(v.password), hexToBytes(v.salt), {
      m: v.m,
      t: v.t,
      p: v.p,
      dkLen: 32,
      key: hexToBytes(v.secret),
      personalization: hexToBytes(v.associatedData),
    })
    expect(bytesToHex(tag)).toBe(v.tag)
  })

  for (const implementation of ['hash-wasm', 'noble'] as const) {
    it(`${implementation}: the reference implementation's argon2id answers (m, t, p, password and salt varied)`, async () => {
      const list = implementation === 'noble' ? vectors.reference.vectors.slice(0, 3) : vectors.reference.vectors
      for (const v of list) {
        const { params, salt, hash } = parsePasswordHash(v.phc)
        const out = await argon2id(utf8Encode(v.password), salt, params, { dkLen: hash.length, implementation })
        expect(bytesToHex(out), v.phc).toBe(bytesToHex(hash))
      }
    }, 60_000) // up to 64 MiB per vector
  }

  it('hash-wasm and noble give identical output, including odd memory sizes, lanes and the empty password', async () => {
    const cases = [
      { m: 8, t: 1, p: 1, pw: '' },
      { m: 67, t: 3, p: 3, pw: 'pässwörd' }, // m not a multiple of 4p: rounded down the same way
      { m: 130, t: 2, p: 4, pw: 'x' },
      { m: 1024, t: 1, p: 2, pw: 'correct horse battery staple' },
    ]
    const salt = utf8Encode('0123456789abcdef')
    for (const { pw, ...params } of cases) {
      for (const dkLen of [4, 32, 64, 100]) {
        const a = await argon2id(utf8Encode(pw), salt, params, { dkLen, implementation: 'hash-wasm' })
        const b = await argon2id(utf8Encode(pw), salt, params, { dkLen, implementation: 'noble' })
        expect(a).toHaveLength(dkLen)
        expect(bytesToHex(a), JSON.stringify({ params, dkLen })).toBe(bytesToHex(b))
      }
    }
  })

  it('defaults are m=19456 KiB, t=2, p=1 and cannot be mutated', () => {
    expect(DEFAULT_ARGON2).toEqual({ m: 19456, t: 2, p: 1 })
    expect(Object.isFrozen(DEFAULT_ARGON2)).toBe(true)
  })

  it('rejects parameters outside RFC 9106 or the limits before allocating anything', async () => {
    const pw = utf8Encode('pw')
    const salt = new Uint8Array(16)
    const bad: [unknown, ErrorConstructor][] = [
      [{ m: 7, t: 1, p: 1 }, RangeError], // m < 8p
      [{ m: 15, t: 1, p: 2 }, RangeError],
      [{ m: ARGON2_LIMITS.maxM + 1, t: 1, p: 1 }, RangeError],
      [{ m: 2 ** 32, t: 1, p: 1 }, RangeError],
      [{ m: 64, t: 0, p: 1 }, RangeError],
      [{ m: 64, t: ARGON2_LIMITS.maxT + 1, p: 1 }, RangeError],
      [{ m: 64, t: 1, p: 0 }, RangeError],
      [{ m: 4096, t: 1, p: ARGON2_LIMITS.maxP + 1 }, RangeError],
      [{ m: 64.5, t: 1, p: 1 }, RangeError],
      [{ m: Number.NaN, t: 1, p: 1 }, RangeError],
      [{ m: '64', t: 1, p: 1 }, TypeError],
      [{ m: 64, t: 1 }, TypeError],
      [null, TypeError],
      ['m=64', TypeError],
    ]
    for (const [params, type] of bad)
      await expect(argon2id(pw, salt, params as never), JSON.stringify(params)).rejects.toThrow(type)
    await expect(argon2id(pw, new Uint8Array(7))).rejects.toThrow(RangeError)
    await expect(argon2id(pw, salt, DEFAULT_ARGON2, { dkLen: 3 })).rejects.toThrow(RangeError)
    await expect(argon2id('pw' as never, salt)).rejects.toThrow(TypeError)
    await expect(argon2id(pw, 'salt' as never)).rejects.toThrow(TypeError)
    await expect(argon2id(pw, salt, DEFAULT_ARGON2, { implementation: 'libsodium' as never })).rejects.toThrow(TypeError)
  })
})
