import { describe, expect, it } from 'vitest'
import { deriveKey, hashPassword, parsePasswordHash, verifyPassword } from '@engram/crypto'
import vectors from './vectors/argon2id.json' with { type: 'json' }

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name
  }
  return undefined
}

describe('hashPassword / verifyPassword', () => {
  it('hashes at the defaults into a PHC string with a 16-byte salt and 32-byte hash', async () => {
    const phc = await hashPassword('correct horse')
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
    expect(await verifyPassword('correct horse', phc)).toBe(true)
    expect(await verifyPassword('correct horsE', phc)).toBe(false)
    expect(await verifyPassword('', phc)).toBe(false)
  }, 30_000)

  it('salts every hash afresh', async () => {
    const params = { m: 64, t: 1, p: 1 }
    expect(await hashPassword('same', params)).not.toBe(await hashPassword('same', params))
  })

  it('reads non-default parameters back from the string', async () => {
    for (const params of [
      { m: 64, t: 1, p: 1 },
      { m: 256, t: 3, p: 2 },
      { m: 100, t: 2, p: 4 },
    ]) {
      const phc = await hashPassword('pw', params)
      expect(parsePasswordHash(phc).params).toEqual(params)
      expect(await verifyPassword('pw', phc)).toBe(true)
      expect(await verifyPassword('pW', phc)).toBe(false)
      // the same hash under other parameters no longer verifies
      const changed = phc.replace(`t=${params.t}`, `t=${params.t + 1}`)
      expect(await verifyPassword('pw', changed)).toBe(false)
    }
  })

  it('verifies strings written by the reference implementation', async () => {
    for (const v of vectors.reference.vectors) {
      expect(await verifyPassword(v.password, v.phc), v.phc).toBe(true)
      if (v.phc.includes('m=256,')) expect(await verifyPassword(v.password + '!', v.phc)).toBe(false)
    }
  }, 60_000) // four of these use 64 MiB each

  it('the empty password is a real password, distinct from others', async () => {
    const phc = await hashPassword('', { m: 64, t: 1, p: 1 })
    expect(await verifyPassword('', phc)).toBe(true)
    expect(await verifyPassword(' ', phc)).toBe(false)
  })

  it('handles non-ASCII passwords as UTF-8', async () => {
    const phc = await hashPassword('pässwörd 🔑', { m: 64, t: 1, p: 1 })
    expect(await verifyPassword('pässwörd 🔑', phc)).toBe(true)
    expect(await verifyPassword('passwort 🔑', phc)).toBe(false)
  })

  it('an unreadable or hostile PHC string is INVALID_PASSWORD_HASH, not an attempt', async () => {
    for (const phc of [
      'not a hash',
      '$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
      '$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
      '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$!!!',
    ])
      expect(await codeOf(verifyPassword('pw', phc))).toBe('INVALID_PASSWORD_HASH')
    expect(await codeOf(verifyPassword('pw', undefined as never))).toBe('INVALID_PASSWORD_HASH')
  })

  it('rejects bad argument types and parameters', async () => {
    const phc = await hashPassword('pw', { m: 64, t: 1, p: 1 })
    for (const bad of [undefined, null, 42, utf8(), {}] as unknown as string[]) {
      await expect(hashPassword(bad)).rejects.toThrow(TypeError)
      await expect(verifyPassword(bad, phc)).rejects.toThrow(TypeError)
    }
    await expect(hashPassword('pw', { m: 4, t: 1, p: 1 })).rejects.toThrow(RangeError)
    await expect(hashPassword('pw', { m: 64, t: 1 } as never)).rejects.toThrow(TypeError)
  })
})

describe('deriveKey', () => {
  const params = { m: 256, t: 1, p: 1 }
  const salt = new TextEncoder().encode('0123456789abcdefghijkl') // 22 ASCII chars, as the user package stores it

  it('is a deterministic 32-byte key of password and salt', async () => {
    const a = await deriveKey('pw', salt, params)
    expect(a).toHaveLength(32)
    expect(await deriveKey('pw', salt, params)).toEqual(a)
    expect(await deriveKey('pW', salt, params)).not.toEqual(a)
    expect(await deriveKey('pw', salt.slice(1), params)).not.toEqual(a)
    expect(await deriveKey('pw', salt, { ...params, t: 2 })).not.toEqual(a)
  })

  it('uses the defaults when no parameters are given', async () => {
    expect(await deriveKey('pw', salt)).toEqual(await deriveKey('pw', salt, { m: 19456, t: 2, p: 1 }))
  }, 30_000)

  it('rejects bad arguments', async () => {
    await expect(deriveKey(1 as never, salt)).rejects.toThrow(TypeError)
    await expect(deriveKey('pw', 'salt' as never)).rejects.toThrow(TypeError)
    await expect(deriveKey('pw', new Uint8Array(7), params)).rejects.toThrow(RangeError)
    await expect(deriveKey('pw', salt, { m: 1, t: 1, p: 1 })).rejects.toThrow(RangeError)
  })
})

function utf8(): Uint8Array {
  return new TextEncoder().encode('pw')
}
