import { MemoryBackend } from '@engram/backend-memory'
import { ed25519 } from '@engram/crypto'
import { Database, Engine, Table } from '@engram/database'
import { DEVICE_KEY_NAME, Instance, validateUsername } from '../src/index.js'
import { describe, expect, it, vi } from 'vitest'
import { FAST, allEntryIds, openInstance } from './helpers.js'

async function userRows(instance: Instance): Promise<Record<string, unknown>[]> {
  const db = await Database.open(new Engine(instance.backend()), instance.systemDatabaseIds().users)
  return (await (await db.getStore('users', Table<Record<string, unknown>>)).entries()).map(([, r]) => r)
}

describe('createUser', () => {
  it('returns a user id and records the account in _users', async () => {
    const { instance } = await openInstance()
    const id = await instance.createUser('alice', 'pw')
    await instance.createUser('bob')
    expect(typeof id).toBe('string')
    const rows = await userRows(instance)
    const alice = rows.find((r) => r.username === 'alice')!
    expect(alice).toMatchObject({ status: 'active', keyKdf: FAST })
    expect(alice.passwordHash).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$/)
    expect(typeof alice.keySalt).toBe('string')
    expect(typeof alice.userDatabaseId).toBe('string')
    expect(typeof alice.createdAt).toBe('number')
    expect(rows.find((r) => r.username === 'bob')).toMatchObject({ passwordHash: null, keySalt: null, keyKdf: null })
    expect((await instance.loginUser('alice', 'pw')).userId).toBe(id)
  })

  it('creates the private database _user_<name>, administered by the device key and the user key', async () => {
    const { instance } = await openInstance()
    await instance.createUser('alice')
    const alice = await instance.loginUser('alice')
    const db = await Database.open(instance.engine(), alice.userDatabaseId)
    expect(await db.name()).toBe('_user_alice')
    const settings = await db.getSettings()
    expect(await settings.getKey('_device_key')).toMatchObject({ pubkey: instance.devicePublicKey() })
    const keyId = await alice.getDefaultKey()
    expect(await settings.getKey(keyId)).toMatchObject({ pubkey: keyId })
  })

  it('uses the default Argon2id parameters (m=19456, t=2, p=1) unless told otherwise', async () => {
    const instance = await Instance.open(new MemoryBackend())
    await instance.createUser('slow', 'pw')
    const [row] = await userRows(instance)
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(row!.keyKdf).toEqual({ m: 19456, t: 2, p: 1 })
    expect((await instance.loginUser('slow', 'pw')).username).toBe('slow')
  })

  it('a taken name → USER_EXISTS (also with another password), and nothing is added', async () => {
    const { instance } = await openInstance()
    await instance.createUser('alice')
    await expect(instance.createUser('alice')).rejects.toMatchObject({ code: 'USER_EXISTS' })
    await expect(instance.createUser('alice', 'other')).rejects.toMatchObject({ code: 'USER_EXISTS' })
    expect(await instance.listUsers()).toEqual(['alice'])
  })

  it('concurrent creations of one name give exactly one account', async () => {
    const { instance } = await openInstance()
    const results = await Promise.allSettled([instance.createUser('dup'), instance.createUser('dup'), instance.createUser('dup')])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(await instance.listUsers()).toEqual(['dup'])
  })

  it.each([
    ['empty', ''],
    ['reserved prefix', '_admin'],
    ['too long', 'x'.repeat(65)],
    ['newline', 'a\nb'],
    ['NUL', 'a\u0000'],
    ['DEL', 'a\u007f'],
    ['line separator', 'a\u2028b'],
    ['lone surrogate', 'a\ud800'],
  ])('INVALID_USERNAME: %s', async (_, name) => {
    const { instance } = await openInstance()
    await expect(instance.createUser(name)).rejects.toMatchObject({ code: 'INVALID_USERNAME' })
    expect(await instance.listUsers()).toEqual([])
  })

  it('accepts 64 characters, spaces, unicode and emoji; names are case-sensitive', async () => {
    const { instance } = await openInstance()
    for (const name of ['x'.repeat(64), 'Ana María', 'ユーザー', '👩‍💻'.repeat(3), 'Alice', 'alice']) await instance.createUser(name)
    expect(await instance.listUsers()).toHaveLength(6)
    expect(validateUsername('😀'.repeat(64))).toBe('😀'.repeat(64))
  })

  it('non-string username or password → TypeError', async () => {
    const { instance } = await openInstance()
    await expect(instance.createUser(42 as never)).rejects.toBeInstanceOf(TypeError)
    await expect(instance.createUser('ok', 42 as never)).rejects.toBeInstanceOf(TypeError)
    await expect(instance.loginUser(null as never)).rejects.toBeInstanceOf(TypeError)
    await expect(instance.loginUser('ok', {} as never)).rejects.toBeInstanceOf(TypeError)
  })
})

describe('listUsers', () => {
  it('is empty on a new instance and lists usernames in creation order', async () => {
    const { instance } = await openInstance()
    expect(await instance.listUsers()).toEqual([])
    for (const n of ['carol', 'alice', 'bob']) await instance.createUser(n)
    expect(await instance.listUsers()).toEqual(['carol', 'alice', 'bob'])
  })

  it('keeps creation order for accounts made within one millisecond (a fast browser does that)', async () => {
    const { instance } = await openInstance()
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000)
    try {
      const names = ['u5', 'u3', 'u9', 'u1', 'u7', 'u2']
      for (const n of names) await instance.createUser(n)
      expect(await instance.listUsers()).toEqual(names)
    } finally {
      now.mockRestore()
    }
  })
})

describe('loginUser: the password matrix', () => {
  async function setup() {
    const { instance, backend } = await openInstance()
    await instance.createUser('nopw')
    await instance.createUser('pw', 'secret')
    await instance.createUser('empty', '')
    return { instance, backend }
  }

  it('passwordless user: no password logs in; any password, even "", → INVALID_PASSWORD', async () => {
    const { instance } = await setup()
    expect((await instance.loginUser('nopw')).username).toBe('nopw')
    await expect(instance.loginUser('nopw', '')).rejects.toMatchObject({ code: 'INVALID_PASSWORD' })
    await expect(instance.loginUser('nopw', 'x')).rejects.toMatchObject({ code: 'INVALID_PASSWORD' })
  })

  it('password user: right one logs in; wrong one → INVALID_PASSWORD; none → PASSWORD_REQUIRED', async () => {
    const { instance } = await setup()
    expect((await instance.loginUser('pw', 'secret')).username).toBe('pw')
    await expect(instance.loginUser('pw', 'Secret')).rejects.toMatchObject({ code: 'INVALID_PASSWORD' })
    await expect(instance.loginUser('pw', 'secret ')).rejects.toMatchObject({ code: 'INVALID_PASSWORD' })
    await expect(instance.loginUser('pw', '')).rejects.toMatchObject({ code: 'INVALID_PASSWORD' })
    await expect(instance.loginUser('pw')).rejects.toMatchObject({ code: 'PASSWORD_REQUIRED' })
  })

  it("'' is a password: it logs in with '', not with none or another", async () => {
    const { instance } = await setup()
    expect((await instance.loginUser('empty', '')).username).toBe('empty')
    await expect(instance.loginUser('empty')).rejects.toMatchObject({ code: 'PASSWORD_REQUIRED' })
    await expect(instance.loginUser('empty', ' ')).rejects.toMatchObject({ code: 'INVALID_PASSWORD' })
  })

  it('unicode and long passwords work', async () => {
    const { instance } = await openInstance()
    const long = 'p'.repeat(10_000)
    await instance.createUser('u1', 'pässwörd 🔑')
    await instance.createUser('u2', long)
    expect((await instance.loginUser('u1', 'pässwörd 🔑')).username).toBe('u1')
    expect((await instance.loginUser('u2', long)).username).toBe('u2')
    await expect(instance.loginUser('u2', long.slice(1))).rejects.toMatchObject({ code: 'INVALID_PASSWORD' })
  })

  it('unknown user → USER_NOT_FOUND', async () => {
    const { instance } = await setup()
    await expect(instance.loginUser('nobody')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' })
    await expect(instance.loginUser('NOPW')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' })
    await expect(instance.loginUser('')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' })
  })

  it('a failed login stores nothing', async () => {
    const { instance, backend } = await setup()
    const before = await allEntryIds(backend)
    for (const [name, pw] of [['pw', 'wrong'], ['pw', undefined], ['nopw', 'x'], ['ghost', undefined]] as const)
      await expect(instance.loginUser(name, pw)).rejects.toHaveProperty('code')
    expect(await allEntryIds(backend)).toEqual(before)
  })

  it('repeated logins give independent sessions', async () => {
    const { instance } = await setup()
    const a = await instance.loginUser('pw', 'secret')
    const b = await instance.loginUser('pw', 'secret')
    expect(a).not.toBe(b)
    await a.logout()
    expect((await b.listKeys()).length).toBe(1)
  })
})

describe('duplicate accounts', () => {
  it('two records with one username (merged from elsewhere): the first created is the account, listed once; the name stays taken', async () => {
    const { instance, backend } = await openInstance()
    const aliceId = await instance.createUser('alice')
    const signer = { key: await ed25519.importSigningKey((await backend.getLocalKey(DEVICE_KEY_NAME))!), sigKey: DEVICE_KEY_NAME }
    const users = await Database.open(new Engine(backend), instance.systemDatabaseIds().users, signer)
    const txn = await users.newTransaction()
    const table = await txn.getStore('users', Table<Record<string, unknown>>)
    const [, row] = (await table.entries())[0]!
    const copyId = await table.insert({ ...row }) // same createdAt: the smaller user id wins
    await txn.commit()
    expect((await instance.loginUser('alice')).userId).toBe([aliceId, copyId].sort()[0])
    expect(await instance.listUsers()).toEqual(['alice'])
    await expect(instance.createUser('alice')).rejects.toMatchObject({ code: 'USER_EXISTS' })
  })
})

describe('disableUser / enableUser', () => {
  it('a disabled user cannot log in (USER_DISABLED), and open sessions are logged out', async () => {
    const { instance } = await openInstance()
    await instance.createUser('alice', 'pw')
    await instance.createUser('bob')
    const session = await instance.loginUser('alice', 'pw')
    const bob = await instance.loginUser('bob')
    await instance.disableUser('alice')
    await expect(instance.loginUser('alice', 'pw')).rejects.toMatchObject({ code: 'USER_DISABLED' })
    await expect(instance.loginUser('alice', 'wrong')).rejects.toMatchObject({ code: 'USER_DISABLED' })
    await expect(session.listKeys()).rejects.toMatchObject({ code: 'SESSION_CLOSED' })
    expect(await bob.listKeys()).toHaveLength(1)
    expect(await instance.listUsers()).toEqual(['alice', 'bob'])

    await instance.enableUser('alice')
    expect((await instance.loginUser('alice', 'pw')).username).toBe('alice')
  })

  it('unknown user → USER_NOT_FOUND; status survives a reopen', async () => {
    const { instance, backend } = await openInstance()
    await expect(instance.disableUser('ghost')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' })
    await expect(instance.enableUser('ghost')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' })
    await instance.createUser('alice')
    await instance.disableUser('alice')
    await instance.disableUser('alice') // idempotent
    const again = await Instance.open(backend, { argon2: FAST })
    await expect(again.loginUser('alice')).rejects.toMatchObject({ code: 'USER_DISABLED' })
  })
})
