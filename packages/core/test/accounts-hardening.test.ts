/**
 * Issue 8 items 5 and 6 on accounts: a username is taken once per backend
 * whichever Instance handle asks; a password session accepts only sealed
 * key rows; ill-formed passwords and invisible or bidi-spoofed usernames
 * are refused; usernames are NFC-normalised.
 */
import { MemoryBackend } from '@engram/backend-memory'
import { bytesToBase64, ed25519, formatPublicKey, randomBytes } from '@engram/crypto'
import { Database, Engine, Table } from '@engram/database'
import { describe, expect, it } from 'vitest'
import { DEVICE_KEY_NAME, Instance, validateUsername } from '../src/index.js'
import { openInstance } from './helpers.js'

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code ?? String(e))

async function deviceSigner(backend: MemoryBackend) {
  return { key: await ed25519.importSigningKey((await backend.getLocalKey(DEVICE_KEY_NAME))!), sigKey: DEVICE_KEY_NAME }
}

describe('two Instance handles on one backend', () => {
  it('creating one username on both at once gives one account; both handles keep working', async () => {
    const backend = new MemoryBackend()
    const { instance: a } = await openInstance({}, backend)
    const { instance: b } = await openInstance({}, backend)
    for (const name of ['alice', 'bob', 'carol']) {
      const results = await Promise.all([codeOf(a.createUser(name, 'pw')), codeOf(b.createUser(name, 'pw'))])
      expect(results.filter((r) => r === 'resolved')).toHaveLength(1)
      expect(results.filter((r) => r === 'USER_EXISTS')).toHaveLength(1)
    }
    for (const handle of [a, b]) {
      expect(await handle.listUsers()).toEqual(['alice', 'bob', 'carol'])
      const session = await handle.loginUser('alice', 'pw')
      expect(session.username).toBe('alice')
      await session.logout()
    }
    expect(await codeOf(b.createUser('alice'))).toBe('USER_EXISTS')
    const again = await Instance.open(backend)
    expect(await again.listUsers()).toEqual(['alice', 'bob', 'carol'])
  })

  it('duplicate records (written by another process) have one winner every handle agrees on: the first created', async () => {
    const backend = new MemoryBackend()
    const { instance } = await openInstance({}, backend)
    const aliceId = await instance.createUser('alice')
    const users = await Database.open(new Engine(backend), instance.systemDatabaseIds().users, await deviceSigner(backend))
    const txn = await users.newTransaction()
    const table = await txn.getStore('users', Table<Record<string, unknown>>)
    const [, row] = (await table.entries())[0]!
    await table.insert({ ...row, createdAt: (row.createdAt as number) + 1000 }) // a later duplicate
    await txn.commit()
    const { instance: other } = await openInstance({}, backend)
    for (const handle of [instance, other]) {
      expect(await handle.listUsers()).toEqual(['alice'])
      expect((await handle.loginUser('alice')).userId).toBe(aliceId)
      expect(await codeOf(handle.createUser('alice'))).toBe('USER_EXISTS')
    }
  })
})

describe('a password session accepts only sealed key rows', () => {
  it('a plain key row planted in storage does not let a wrong password in, nor replace the default key', async () => {
    const { instance, backend } = await openInstance()
    await instance.createUser('alice', 'right')
    const session = await instance.loginUser('alice', 'right')
    const sealedDefault = await session.getDefaultKey()
    const userDb = session.userDatabaseId
    await session.logout()
    // Whoever can write the user database (here the device key) plants an unencrypted default key.
    const seed = randomBytes(32)
    const planted = formatPublicKey(await ed25519.getPublicKey(seed))
    const db = await Database.open(new Engine(backend), userDb, await deviceSigner(backend))
    const txn = await db.newTransaction()
    await (await txn.getStore('keys', Table<Record<string, unknown>>)).insert({
      keyId: planted,
      privateKey: bytesToBase64(seed),
      encryption: { type: 'none' },
      displayName: null,
      createdAt: 0,
      isDefault: true,
      databaseSigKeys: {},
    })
    await txn.commit()

    expect(await codeOf(instance.loginUser('alice', 'wrong'))).toBe('INVALID_PASSWORD')
    expect(await codeOf(instance.loginUser('alice', ''))).toBe('INVALID_PASSWORD')
    const again = await instance.loginUser('alice', 'right')
    expect(await again.getDefaultKey()).toBe(sealedDefault)
    expect((await again.listKeys()).map((k) => k.keyId)).toEqual([sealedDefault])
    expect(await codeOf(again.getSigningKey(planted))).toBe('KEY_NOT_FOUND')
  })
})

describe('passwords must be well-formed Unicode', () => {
  it('a lone surrogate → INVALID_PASSWORD on create and on login; nothing is created', async () => {
    const { instance } = await openInstance()
    for (const bad of ['secret\uD800', '\uDC00', 'a\uDBFFb'])
      expect(await codeOf(instance.createUser(`u${bad.length}`, bad))).toBe('INVALID_PASSWORD')
    expect(await instance.listUsers()).toEqual([])
    await instance.createUser('alice', 'secret\uD83D\uDE00') // a well-formed pair is fine
    for (const bad of ['secret\uD800', 'secret\uDBFF', 'secret\uFFFD', 'secret\uD83D'])
      expect(await codeOf(instance.loginUser('alice', bad))).toBe('INVALID_PASSWORD')
    expect((await instance.loginUser('alice', 'secret\uD83D\uDE00')).username).toBe('alice')
  })
})

describe('usernames', () => {
  it('are NFC-normalised: café in one or two code points is one user', async () => {
    const { instance } = await openInstance()
    const composed = 'caf\u00e9'
    const decomposed = 'cafe\u0301'
    await instance.createUser(decomposed, 'pw')
    expect(await instance.listUsers()).toEqual([composed])
    expect(await codeOf(instance.createUser(composed))).toBe('USER_EXISTS')
    expect((await instance.loginUser(composed, 'pw')).username).toBe(composed)
    expect((await instance.loginUser(decomposed, 'pw')).username).toBe(composed)
    expect(validateUsername(decomposed)).toBe(composed)
  })

  it('bidi controls and invisible-only names → INVALID_USERNAME', async () => {
    const { instance } = await openInstance()
    const bad = [
      'admin\u202Egnp', // right-to-left override
      '\u2066alice\u2069', // isolates
      'ali\u200Fce', // right-to-left mark
      'ali\u061Cce', // Arabic letter mark
      '\u200B', // zero-width space
      '\u200B\u200C\u200D', // zero-width characters only
      '\u3164', // Hangul filler
      '\u2800\u2800', // braille blanks
      ' ', // spaces only
      '\u00A0\u2003', // no-break and em spaces
      '\uFEFF', // byte order mark
    ]
    for (const name of bad) expect(await codeOf(instance.createUser(name))).toBe('INVALID_USERNAME')
    expect(await instance.listUsers()).toEqual([])
    for (const name of ['Ana María', '👩‍💻', 'ユーザー', 'a b', 'עברית', 'مرحبا']) await instance.createUser(name)
    expect(await instance.listUsers()).toHaveLength(6)
  })
})
