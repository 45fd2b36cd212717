import { ed25519, formatPublicKey, parsePublicKey, utf8Encode, verify } from '@engram/crypto'
import { Database, Table } from '@engram/database'
import { describe, expect, it } from 'vitest'
import { makeHost, strangerKeyId } from './helpers.js'

describe('keys', () => {
  it('a new user has one default key named "Default Key"', async () => {
    const host = await makeHost()
    await host.createUser('alice', 'pw')
    const alice = await host.login('alice', 'pw')
    const keys = await alice.listKeys()
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({ displayName: 'Default Key', isDefault: true })
    expect(keys[0]!.keyId).toMatch(/^ed25519:[A-Za-z0-9+/]{43}=$/)
    expect(keys[0]!.publicKey).toBe(keys[0]!.keyId)
    expect(typeof keys[0]!.createdAt).toBe('number')
    expect(await alice.getDefaultKey()).toBe(keys[0]!.keyId)
  })

  it('addPrivateKey adds keys listed oldest first, with display names; the default stays', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    const alice = await host.login('alice')
    const first = await alice.getDefaultKey()
    const a = await alice.addPrivateKey('laptop')
    const b = await alice.addPrivateKey()
    const c = await alice.addPrivateKey('phone')
    const keys = await alice.listKeys()
    expect(keys.map((k) => k.keyId)).toEqual([first, a, b, c])
    expect(keys.map((k) => k.displayName)).toEqual(['Default Key', 'laptop', null, 'phone'])
    expect(keys.map((k) => k.isDefault)).toEqual([true, false, false, false])
    const times = keys.map((k) => k.createdAt)
    expect([...times].sort((x, y) => x - y)).toEqual(times)
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(4)
    expect(await alice.getDefaultKey()).toBe(first)
    await expect(alice.addPrivateKey(5 as never)).rejects.toBeInstanceOf(TypeError)
  })

  it('getSigningKey returns the 32-byte seed and public key, which sign and verify', async () => {
    const host = await makeHost()
    await host.createUser('alice', 'secret')
    const alice = await host.login('alice', 'secret')
    const keyId = await alice.addPrivateKey()
    const { publicKey, privateKey } = await alice.getSigningKey(keyId)
    expect(privateKey).toHaveLength(32)
    expect(formatPublicKey(publicKey)).toBe(keyId)
    expect(formatPublicKey(await ed25519.getPublicKey(privateKey))).toBe(keyId)
    expect(await alice.getPublicKey(keyId)).toBe(keyId)
    const msg = utf8Encode('signed by alice')
    expect(await verify(await ed25519.sign(msg, privateKey), msg, parsePublicKey(keyId))).toBe(true)
    // the returned seed is a copy: wiping it does not break the session
    privateKey.fill(0)
    expect((await alice.getSigningKey(keyId)).privateKey.some((b) => b !== 0)).toBe(true)
  })

  it('unknown key ids give KEY_NOT_FOUND everywhere', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    const alice = await host.login('alice')
    const db = await alice.createDatabase({ name: 'd' })
    const unknown = await strangerKeyId()
    await expect(alice.getSigningKey(unknown)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
    await expect(alice.getPublicKey(unknown)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
    await expect(alice.mapKey(unknown, db.id, '*')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
    await expect(alice.keyMapping(unknown, db.id)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
    await expect(alice.trackDatabase({ databaseId: db.id, keyId: unknown })).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
    await expect(alice.getSigningKey(1 as never)).rejects.toBeInstanceOf(TypeError)
  })

  it('mapKey sets the sigkey a key signs under; openDatabase uses it', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    const alice = await host.login('alice')
    const db = await alice.createDatabase({ name: 'd' })
    const second = await alice.addPrivateKey()
    expect(await alice.keyMapping(second, db.id)).toBeUndefined()
    await alice.mapKey(second, db.id, 'some-entry')
    expect(await alice.keyMapping(second, db.id)).toBe('some-entry')
    // the default key (older) is mapped too, and comes first
    expect(await alice.findKey(db.id)).toBe(await alice.getDefaultKey())
    expect(await alice.findKey('sha256:' + '1'.repeat(64))).toBeUndefined()
    await expect(alice.mapKey(second, db.id, 3 as never)).rejects.toBeInstanceOf(TypeError)
  })

  it('a key added in one session is usable from another session of the same user', async () => {
    const host = await makeHost()
    await host.createUser('alice', 'pw')
    const one = await host.login('alice', 'pw')
    const two = await host.login('alice', 'pw')
    const keyId = await one.addPrivateKey('added in one')
    expect((await two.listKeys()).map((k) => k.keyId)).toContain(keyId)
    expect((await two.getSigningKey(keyId)).privateKey).toEqual((await one.getSigningKey(keyId)).privateKey)
  })

  it('password users store sealed keys, passwordless users plain ones', async () => {
    const host = await makeHost()
    await host.createUser('sealed', '')
    await host.createUser('plain')
    for (const [name, password, type] of [
      ['sealed', '', 'aes-256-gcm'],
      ['plain', undefined, 'none'],
    ] as const) {
      const user = await host.login(name, password)
      await user.addPrivateKey()
      const view = await (await Database.open(host.engine, user.userDatabaseId)).getStore('keys', Table<{ encryption: { type: string } }>)
      const types = (await view.entries()).map(([, row]) => row.encryption.type)
      expect(types).toEqual([type, type])
    }
  })
})
