/**
 * API.md §@engram/core (`Instance`) and §@engram/user (`User`, which users
 * only ever get from `instance.loginUser`), plus the persistence and
 * security checklist of the issues, written the way an application would
 * use them: public entry points only. Sentences already pinned by the other
 * tests in this folder are not repeated.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryBackend } from '@engram/backend-memory'
import { bytesToBase64, bytesToHex, ed25519, formatPublicKey } from '@engram/crypto'
import { Database, DocStore, Permission, Table, type AuthKey } from '@engram/database'
import { Instance, type User } from '@engram/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

type Note = { text: string }

/** Cheap Argon2id: these tests are about behaviour (accounts.test.ts checks the defaults). */
const FAST = { m: 64, t: 1, p: 1 }
const PUBLIC_KEY = /^ed25519:[A-Za-z0-9+/]{43}=$/
const ID = /^sha256:[0-9a-f]{64}$/

async function open(backend = new MemoryBackend()) {
  return { backend, instance: await Instance.open(backend, { argon2: FAST }) }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code ?? String(e),
  )
}

/** Everything a backend holds that a failed call could have changed. */
async function backendState(backend: MemoryBackend) {
  const statuses: [string, string][] = []
  for (const s of ['verified', 'unverified', 'failed'] as const) for (const id of await backend.idsByStatus(s)) statuses.push([id, s])
  const localKeys = await backend.listLocalKeys()
  return {
    statuses: statuses.sort(),
    roots: await backend.rootIds(),
    localKeys,
    localKeyBytes: await Promise.all(localKeys.map((k) => backend.getLocalKey(k))),
    metadata: await backend.getMetadata('engram.systemDatabases'),
  }
}

async function addNote(db: Database, text: string): Promise<string> {
  const txn = await db.newTransaction()
  await (await txn.getStore('notes', Table<Note>)).insert({ text })
  return txn.commit()
}

async function addAuthKey(db: Database, name: string, pubkey: string, permission: Permission): Promise<void> {
  const txn = await db.newTransaction()
  await (await txn.getSettingsStore()).addKey(name, { pubkey, permission })
  await txn.commit()
}

/** The auth key the entry `id` was signed under, looked up in the database's current settings. */
async function signerOf(db: Database, id: string): Promise<string | undefined> {
  const entry = (await db.getAllEntries()).find((e) => e.id === id)!.entry
  if (typeof entry.sig.key !== 'string') return undefined
  if (entry.sig.pubkey !== undefined) return entry.sig.pubkey
  return (await (await db.getSettings()).getKey(entry.sig.key))?.pubkey
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engram-contract-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('Instance', () => {
  it('open(backend) creates the device key in local key storage (never in a database) and _instance, _users, _databases', async () => {
    const { instance, backend } = await open()
    expect(await backend.listLocalKeys()).toEqual(['_device_key'])
    const seed = (await backend.getLocalKey('_device_key'))!
    expect(formatPublicKey(await ed25519.getPublicKey(seed))).toBe(instance.devicePublicKey())
    const ids = instance.systemDatabaseIds()
    const names = await Promise.all(
      [ids.instance, ids.users, ids.databases].map(async (id) => (await Database.open(instance.engine(), id)).name()),
    )
    expect(names).toEqual(['_instance', '_users', '_databases'])
    // the seed is in no entry of any database, in any usual encoding
    await instance.createUser('alice')
    await (await instance.loginUser('alice')).createDatabase({ name: 'd' })
    const everything = JSON.stringify(
      await Promise.all((await backend.idsByStatus('verified')).map((id) => backend.get(id))),
    )
    for (const form of [bytesToBase64(seed), bytesToBase64(seed).replace(/=+$/, ''), bytesToHex(seed), JSON.stringify([...seed])])
      expect(everything.includes(form)).toBe(false)
  })

  it('opening the same backend again keeps the device key, users and databases', async () => {
    const { instance, backend } = await open()
    await instance.createUser('alice', 'pw')
    const alice = await instance.loginUser('alice', 'pw')
    const db = await alice.createDatabase({ name: 'kept' })
    const again = await Instance.open(backend, { argon2: FAST })
    expect(again.devicePublicKey()).toBe(instance.devicePublicKey())
    expect(again.systemDatabaseIds()).toEqual(instance.systemDatabaseIds())
    expect(await again.listUsers()).toEqual(['alice'])
    const alice2 = await again.loginUser('alice', 'pw')
    expect(alice2.userId).toBe(alice.userId)
    expect((await alice2.findDatabase('kept')).map((d) => d.id)).toEqual([db.id])
  })

  it("devicePublicKey() → 'ed25519:<base64>'; backend() is the backend it was opened on", async () => {
    const { instance, backend } = await open()
    expect(instance.devicePublicKey()).toMatch(PUBLIC_KEY)
    expect(instance.backend()).toBe(backend)
  })

  it('systemDatabaseIds() → { instance, users, databases } (sync undefined until enabled)', async () => {
    const { instance } = await open()
    const ids = instance.systemDatabaseIds()
    expect(Object.keys(ids).sort()).toEqual(['databases', 'instance', 'users'])
    for (const id of Object.values(ids)) expect(id).toMatch(ID)
    expect(ids.sync).toBeUndefined()
    expect(instance.sync()).toBeUndefined()
  })

  it("createUser → the user id; taken name → USER_EXISTS; empty or invalid name → INVALID_USERNAME; '' is a password", async () => {
    const { instance, backend } = await open()
    const id = await instance.createUser('alice')
    expect(typeof id).toBe('string')
    expect((await instance.loginUser('alice')).userId).toBe(id)
    const before = await backendState(backend)
    expect(await codeOf(instance.createUser('alice'))).toBe('USER_EXISTS')
    expect(await codeOf(instance.createUser('alice', 'other'))).toBe('USER_EXISTS')
    expect(await codeOf(instance.createUser(''))).toBe('INVALID_USERNAME')
    expect(await codeOf(instance.createUser('_system'))).toBe('INVALID_USERNAME')
    expect(await codeOf(instance.createUser('a\u0000b'))).toBe('INVALID_USERNAME')
    expect(await backendState(backend)).toEqual(before)

    await instance.createUser('empty', '')
    expect((await instance.loginUser('empty', '')).username).toBe('empty')
    expect(await codeOf(instance.loginUser('empty'))).toBe('PASSWORD_REQUIRED')
    expect(await instance.listUsers()).toEqual(['alice', 'empty'])
  })
})

describe('User: databases', () => {
  it('createDatabase(settings): settings.name names it; the default key becomes Admin(0); it is registered in _databases', async () => {
    const { instance } = await open()
    await instance.createUser('alice')
    const alice = await instance.loginUser('alice')
    const key = await alice.getDefaultKey()
    const db = await alice.createDatabase({ name: 'notes', colour: 'blue' })
    expect(db).toBeInstanceOf(Database)
    expect(db.id).toMatch(ID)
    expect(await db.name()).toBe('notes')
    expect(await (await db.getSettings()).get('colour')).toBe('blue')
    const keys = await (await db.getSettings()).listKeys()
    expect(keys).toHaveLength(1)
    expect(keys[0]![1]).toEqual({ pubkey: key, permission: Permission.admin(0), status: 'active' } satisfies AuthKey)
    expect(await signerOf(db, await addNote(db, 'signed by alice'))).toBe(key)

    const registry = await Database.open(instance.engine(), instance.systemDatabaseIds().databases)
    const row = (await (await registry.getStore('databases', Table<Record<string, unknown>>)).get(db.id))!
    expect(row).toMatchObject({ databaseId: db.id, name: 'notes', createdBy: alice.userId })
  })

  it('createDatabase(settings, keyId) makes that key Admin(0) and signs with it; an unknown key → KEY_NOT_FOUND', async () => {
    const { instance, backend } = await open()
    await instance.createUser('alice')
    const alice = await instance.loginUser('alice')
    const second = await alice.addPrivateKey('work')
    const db = await alice.createDatabase({ name: 'work' }, second)
    const keys = await (await db.getSettings()).listKeys()
    expect(keys.map(([, k]) => k)).toEqual([{ pubkey: second, permission: Permission.admin(0), status: 'active' }])
    expect(await signerOf(db, await addNote(db, 'x'))).toBe(second)
    const before = await backendState(backend)
    const stranger = formatPublicKey(await ed25519.getPublicKey(new Uint8Array(32).fill(9)))
    expect(await codeOf(alice.createDatabase({ name: 'nope' }, stranger))).toBe('KEY_NOT_FOUND')
    expect(await backendState(backend)).toEqual(before)
  })

  it('createDatabase with settings.auth uses that auth instead of adding the key as Admin(0)', async () => {
    const { instance } = await open()
    await instance.createUser('alice')
    const alice = await instance.loginUser('alice')
    const key = await alice.getDefaultKey()
    const auth = {
      owner: { pubkey: key, permission: Permission.admin(2), status: 'active' },
      '*': { pubkey: '*', permission: Permission.write(50), status: 'active' },
    }
    const db = await alice.createDatabase({ name: 'given', auth })
    const keys = Object.fromEntries(await (await db.getSettings()).listKeys())
    expect(keys).toEqual({
      owner: { pubkey: key, permission: Permission.admin(2), status: 'active' },
      '*': { pubkey: '*', permission: Permission.write(50), status: 'active' },
    })
    await addNote(db, 'signed under owner')
    expect((await alice.findDatabase('given')).map((d) => d.id)).toEqual([db.id])
  })

  it('openDatabase(id) signs with this user\'s key; no usable key → NO_KEY_FOR_DATABASE; unknown id → DATABASE_NOT_FOUND', async () => {
    const { instance } = await open()
    await instance.createUser('alice')
    await instance.createUser('bob')
    const alice = await instance.loginUser('alice')
    const bob = await instance.loginUser('bob')
    const db = await alice.createDatabase({ name: 'shared' })
    const bobKey = await bob.getDefaultKey()
    expect(await codeOf(bob.openDatabase(db.id))).toBe('NO_KEY_FOR_DATABASE')
    await addAuthKey(db, 'bob', bobKey, Permission.write(1))
    const asBob = await bob.openDatabase(db.id)
    expect(await signerOf(asBob, await addNote(asBob, 'from bob'))).toBe(bobKey)
    const asAlice = await alice.openDatabase(db.id)
    expect(await signerOf(asAlice, await addNote(asAlice, 'from alice'))).toBe(await alice.getDefaultKey())

    expect(await codeOf(alice.openDatabase('sha256:' + '0'.repeat(64)))).toBe('DATABASE_NOT_FOUND')
    expect(await codeOf(alice.openDatabase('not an id'))).toBe('DATABASE_NOT_FOUND')
    const commit = await addNote(db, 'an entry, not a root')
    expect(await codeOf(alice.openDatabase(commit))).toBe('DATABASE_NOT_FOUND')
  })

  it('findDatabase(name) → Database[] of that name that this user can open; none → DATABASE_NOT_FOUND', async () => {
    const { instance } = await open()
    await instance.createUser('alice')
    await instance.createUser('bob')
    const alice = await instance.loginUser('alice')
    const bob = await instance.loginUser('bob')
    const a1 = await alice.createDatabase({ name: 'journal' })
    const a2 = await alice.createDatabase({ name: 'journal' })
    const b1 = await bob.createDatabase({ name: 'journal' })
    await alice.createDatabase({ name: 'other' })

    const found = await alice.findDatabase('journal')
    expect(found.every((d) => d instanceof Database)).toBe(true)
    expect(found.map((d) => d.id).sort()).toEqual([a1.id, a2.id].sort())
    expect((await bob.findDatabase('journal')).map((d) => d.id)).toEqual([b1.id])
    // the handles sign with the finder's key
    expect(await signerOf(found[0]!, await addNote(found[0]!, 'x'))).toBe(await alice.getDefaultKey())

    expect(await codeOf(alice.findDatabase('nothing by that name'))).toBe('DATABASE_NOT_FOUND')
    expect(await codeOf(bob.findDatabase('other'))).toBe('DATABASE_NOT_FOUND')
    // once bob is given a key in one of alice's, he finds it too
    await addAuthKey(a1, 'bob', await bob.getDefaultKey(), Permission.read())
    expect((await bob.findDatabase('journal')).map((d) => d.id).sort()).toEqual([a1.id, b1.id].sort())
  })
})

describe('User: keys', () => {
  it('addPrivateKey(displayName?) → key id; listKeys() oldest first with { keyId, publicKey, displayName, createdAt, isDefault }', async () => {
    const { instance } = await open()
    await instance.createUser('alice', 'pw')
    const alice = await instance.loginUser('alice', 'pw')
    const def = await alice.getDefaultKey()
    const k1 = await alice.addPrivateKey('laptop')
    const k2 = await alice.addPrivateKey()
    for (const k of [def, k1, k2]) expect(k).toMatch(PUBLIC_KEY)
    const keys = await alice.listKeys()
    expect(keys.map((k) => k.keyId)).toEqual([def, k1, k2])
    expect(keys.map((k) => k.isDefault)).toEqual([true, false, false])
    expect(keys[1]).toEqual({ keyId: k1, publicKey: k1, displayName: 'laptop', createdAt: expect.any(Number), isDefault: false })
    expect(keys[0]!.createdAt).toBeLessThan(keys[1]!.createdAt)
    expect(keys[1]!.createdAt).toBeLessThan(keys[2]!.createdAt)
    expect(Object.keys(keys[2]!).sort()).toEqual(['createdAt', 'displayName', 'isDefault', 'keyId', 'publicKey'])
    expect(await alice.getDefaultKey()).toBe(def)
  })

  it('getSigningKey(keyId) → { publicKey, privateKey (32-byte seed) }; getPublicKey(keyId) → ed25519:…', async () => {
    const { instance } = await open()
    await instance.createUser('alice', 'pw')
    const alice = await instance.loginUser('alice', 'pw')
    const k = await alice.addPrivateKey()
    const { publicKey, privateKey } = await alice.getSigningKey(k)
    expect(publicKey).toBeInstanceOf(Uint8Array)
    expect(privateKey).toBeInstanceOf(Uint8Array)
    expect(privateKey).toHaveLength(32)
    expect(await ed25519.getPublicKey(privateKey)).toEqual(publicKey)
    expect(formatPublicKey(publicKey)).toBe(k)
    expect(await alice.getPublicKey(k)).toBe(k)
    // the caller's copy is the caller's: wiping it does not break the session
    privateKey.fill(0)
    expect((await alice.getSigningKey(k)).privateKey).not.toEqual(new Uint8Array(32))
  })

  it("mapKey(keyId, databaseId, '*') signs under a * entry", async () => {
    const { instance } = await open()
    await instance.createUser('alice')
    await instance.createUser('bob')
    const alice = await instance.loginUser('alice')
    const bob = await instance.loginUser('bob')
    const db = await alice.createDatabase({ name: 'open' })
    await addAuthKey(db, '*', '*', Permission.write(100))
    const extra = await bob.addPrivateKey('guest key')
    await bob.mapKey(extra, db.id, '*')
    const asBob = await bob.openDatabase(db.id)
    const id = await addNote(asBob, 'hello')
    const entry = (await db.getAllEntries()).find((e) => e.id === id)!.entry
    expect(entry.sig.key).toBe('*')
    expect(entry.sig.pubkey).toBe(extra)
  })

  it('an unknown key id → KEY_NOT_FOUND (getSigningKey, getPublicKey, mapKey, createDatabase, trackDatabase)', async () => {
    const { instance } = await open()
    await instance.createUser('alice')
    const alice = await instance.loginUser('alice')
    const db = await alice.createDatabase({ name: 'd' })
    const unknown = formatPublicKey(await ed25519.getPublicKey(new Uint8Array(32).fill(7)))
    for (const call of [
      alice.getSigningKey(unknown),
      alice.getPublicKey(unknown),
      alice.getPublicKey('not a key'),
      alice.mapKey(unknown, db.id, 'x'),
      alice.createDatabase({ name: 'x' }, unknown),
      alice.trackDatabase({ databaseId: db.id, keyId: unknown }),
    ])
      expect(await codeOf(call)).toBe('KEY_NOT_FOUND')
  })
})

describe('User: tracking', () => {
  async function shared() {
    const { instance, backend } = await open()
    await instance.createUser('alice')
    await instance.createUser('bob')
    const alice = await instance.loginUser('alice')
    const bob = await instance.loginUser('bob')
    const db = await alice.createDatabase({ name: 'shared' })
    return { instance, backend, alice, bob, db, bobKey: await bob.getDefaultKey() }
  }

  it('trackDatabase maps the key to its strongest auth entry; a * entry maps to sigkey *', async () => {
    const { bob, db, bobKey } = await shared()
    await addAuthKey(db, '*', '*', Permission.write(9))
    const tracked = await bob.trackDatabase({ databaseId: db.id })
    expect(tracked).toEqual({ databaseId: db.id, keyId: bobKey, syncSettings: { syncEnabled: false, syncOnCommit: false } })
    expect(await bob.keyMapping(bobKey, db.id)).toBe('*')
    await addAuthKey(db, 'bob-read', bobKey, Permission.read())
    await addAuthKey(db, 'bob-write', bobKey, Permission.write(3))
    await bob.trackDatabase({ databaseId: db.id })
    expect(await bob.keyMapping(bobKey, db.id)).toBe('bob-write')
    const asBob = await bob.openDatabase(db.id)
    expect(await signerOf(asBob, await addNote(asBob, 'x'))).toBe(bobKey)
  })

  it('none → NO_SIGKEY_FOUND; unknown key id → KEY_NOT_FOUND; unknown database → DATABASE_NOT_FOUND', async () => {
    const { bob, db } = await shared()
    expect(await codeOf(bob.trackDatabase({ databaseId: db.id }))).toBe('NO_SIGKEY_FOUND')
    expect(await codeOf(bob.trackDatabase({ databaseId: db.id, keyId: 'ed25519:nope' }))).toBe('KEY_NOT_FOUND')
    expect(await codeOf(bob.trackDatabase({ databaseId: 'sha256:' + '1'.repeat(64) }))).toBe('DATABASE_NOT_FOUND')
    expect(await bob.listTrackedDatabases()).toEqual([])
    expect(await bob.databasePreferences(db.id)).toBeUndefined()
  })

  it('tracking again updates its key and settings; a failed call changes nothing', async () => {
    const { backend, bob, db, bobKey } = await shared()
    const laptop = await bob.addPrivateKey('laptop')
    await addAuthKey(db, 'bob', bobKey, Permission.write(5))
    await addAuthKey(db, 'bob-laptop', laptop, Permission.write(6))
    await bob.trackDatabase({ databaseId: db.id })
    const updated = await bob.trackDatabase({
      databaseId: db.id,
      keyId: laptop,
      syncSettings: { syncEnabled: true, syncOnCommit: true, intervalSeconds: 30, properties: { note: 'x' } },
    })
    const expected = {
      databaseId: db.id,
      keyId: laptop,
      syncSettings: { syncEnabled: true, syncOnCommit: true, intervalSeconds: 30, properties: { note: 'x' } },
    }
    expect(updated).toEqual(expected)
    expect(await bob.databasePreferences(db.id)).toEqual(expected)
    expect(await bob.listTrackedDatabases()).toEqual([expected])
    expect(await bob.keyMapping(laptop, db.id)).toBe('bob-laptop')
    // openDatabase now signs with the tracked key, not the older mapped one.
    const reopened = await bob.openDatabase(db.id)
    const txn = await reopened.newTransaction()
    await (await txn.getStore('notes', DocStore)).set('from', 'laptop')
    const entryId = await txn.commit()
    const signed = (await reopened.getAllEntries()).find((e) => e.id === entryId)!.entry
    expect(signed.sig.key).toBe('bob-laptop')

    const stateBefore = await backendState(backend)
    const keysBefore = await bob.listKeys()
    const noAuth = await bob.addPrivateKey('not in the auth')
    const afterAdd = await backendState(backend)
    expect(await codeOf(bob.trackDatabase({ databaseId: db.id, keyId: noAuth }))).toBe('NO_SIGKEY_FOUND')
    expect(await codeOf(bob.trackDatabase({ databaseId: db.id, keyId: 'ed25519:unknown' }))).toBe('KEY_NOT_FOUND')
    await expect(bob.trackDatabase({ databaseId: db.id, syncSettings: { intervalSeconds: 0 } })).rejects.toBeInstanceOf(RangeError)
    await expect(bob.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: 'yes' as never } })).rejects.toBeInstanceOf(TypeError)
    expect(await backendState(backend)).toEqual(afterAdd)
    expect(await bob.databasePreferences(db.id)).toEqual(expected)
    expect(await bob.keyMapping(noAuth, db.id)).toBeUndefined()
    expect((await bob.listKeys()).slice(0, keysBefore.length)).toEqual(keysBefore)
    expect(stateBefore.statuses.length).toBeLessThan(afterAdd.statuses.length)
  })

  it('untrackDatabase(id); listTrackedDatabases() and databasePreferences(id) return { databaseId, keyId, syncSettings }', async () => {
    const { alice, db } = await shared()
    const other = await alice.createDatabase({ name: 'other' })
    const t1 = await alice.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true } })
    const t2 = await alice.trackDatabase({ databaseId: other.id })
    expect(t1.syncSettings).toEqual({ syncEnabled: true, syncOnCommit: false })
    expect(await alice.listTrackedDatabases()).toEqual([t1, t2])
    for (const t of await alice.listTrackedDatabases()) expect(Object.keys(t).sort()).toEqual(['databaseId', 'keyId', 'syncSettings'])
    await alice.untrackDatabase(db.id)
    expect(await alice.databasePreferences(db.id)).toBeUndefined()
    expect(await alice.databasePreferences(other.id)).toEqual(t2)
    expect(await alice.listTrackedDatabases()).toEqual([t2])
    await alice.untrackDatabase(db.id) // not tracked: nothing to do
  })
})

describe('User: logout', () => {
  /** Every method of a session, called with plausible arguments. */
  function everyCall(user: User, dbId: string, keyId: string): [string, () => Promise<unknown>][] {
    return [
      ['createDatabase', () => user.createDatabase({ name: 'x' })],
      ['openDatabase', () => user.openDatabase(dbId)],
      ['findDatabase', () => user.findDatabase('d')],
      ['addPrivateKey', () => user.addPrivateKey()],
      ['listKeys', () => user.listKeys()],
      ['getDefaultKey', () => user.getDefaultKey()],
      ['getSigningKey', () => user.getSigningKey(keyId)],
      ['getPublicKey', () => user.getPublicKey(keyId)],
      ['mapKey', () => user.mapKey(keyId, dbId, '*')],
      ['trackDatabase', () => user.trackDatabase({ databaseId: dbId })],
      ['untrackDatabase', () => user.untrackDatabase(dbId)],
      ['listTrackedDatabases', () => user.listTrackedDatabases()],
      ['databasePreferences', () => user.databasePreferences(dbId)],
      ['logout', () => user.logout()],
    ]
  }

  it('every later call on the session → SESSION_CLOSED, and no Database handle it gave out can commit', async () => {
    const { instance, backend } = await open()
    await instance.createUser('alice', 'pw')
    const alice = await instance.loginUser('alice', 'pw')
    const keyId = await alice.getDefaultKey()
    const created = await alice.createDatabase({ name: 'd' })
    await alice.trackDatabase({ databaseId: created.id })
    const opened = await alice.openDatabase(created.id)
    const [found] = await alice.findDatabase('d')
    await alice.logout()

    const before = await backendState(backend)
    for (const [name, call] of everyCall(alice, created.id, keyId))
      expect(await codeOf(call()), name).toBe('SESSION_CLOSED')
    for (const handle of [created, opened, found!]) {
      const txn = await handle.newTransaction()
      await (await txn.getStore('notes', Table<Note>)).insert({ text: 'after logout' })
      expect(await codeOf(txn.commit())).toBe('SESSION_CLOSED')
    }
    expect(await backendState(backend)).toEqual(before)
    // another session of the same user is unaffected and sees what the first one did
    const again = await instance.loginUser('alice', 'pw')
    expect((await again.listTrackedDatabases()).map((t) => t.databaseId)).toEqual([created.id])
    await addNote(await again.openDatabase(created.id), 'new session')
  })
})

describe('checklist: persistence and security', () => {
  it('users, keys, databases, tracking and the device key survive save → load → open → login', async () => {
    const { instance, backend } = await open()
    await instance.createUser('alice', 'pw')
    await instance.createUser('bob')
    await instance.createUser('carol', '')
    const alice = await instance.loginUser('alice', 'pw')
    const bob = await instance.loginUser('bob')
    const extra = await alice.addPrivateKey('second')
    const db = await alice.createDatabase({ name: 'persisted' })
    const noteId = await addNote(db, 'kept')
    await alice.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: false } })
    await alice.mapKey(extra, db.id, 'later')
    const aliceKeys = await alice.listKeys()
    const bobKeys = await bob.listKeys()
    const seed = (await alice.getSigningKey(extra)).privateKey

    const file = join(dir, 'snapshot.json')
    await backend.save(file)
    const loaded = await MemoryBackend.load(file)
    expect(await loaded.getLocalKey('_device_key')).toEqual(await backend.getLocalKey('_device_key'))
    const reopened = await Instance.open(loaded, { argon2: FAST })
    expect(reopened.devicePublicKey()).toBe(instance.devicePublicKey())
    expect(reopened.systemDatabaseIds()).toEqual(instance.systemDatabaseIds())
    expect(await reopened.listUsers()).toEqual(['alice', 'bob', 'carol'])
    expect(await codeOf(reopened.loginUser('alice', 'wrong'))).toBe('INVALID_PASSWORD')
    expect(await codeOf(reopened.loginUser('carol'))).toBe('PASSWORD_REQUIRED')
    expect((await reopened.loginUser('carol', '')).username).toBe('carol')

    const alice2 = await reopened.loginUser('alice', 'pw')
    expect(await alice2.listKeys()).toEqual(aliceKeys)
    expect((await alice2.getSigningKey(extra)).privateKey).toEqual(seed)
    expect(await alice2.keyMapping(extra, db.id)).toBe('later')
    expect(await alice2.listTrackedDatabases()).toEqual([
      { databaseId: db.id, keyId: aliceKeys[0]!.keyId, syncSettings: { syncEnabled: true, syncOnCommit: false } },
    ])
    const [again] = await alice2.findDatabase('persisted')
    expect(await (await again!.getStore('notes', Table<Note>)).get((await (await again!.getStore('notes', Table<Note>)).entries())[0]![0])).toEqual({
      text: 'kept',
    })
    expect((await again!.getAllEntries()).map((e) => e.id)).toContain(noteId)
    await addNote(again!, 'written after reload')
    expect(await (await (await reopened.loginUser('bob')).listKeys())).toEqual(bobKeys)
  })

  it("a password user's private key bytes appear nowhere in a saved snapshot (raw, hex, base64)", async () => {
    const { instance, backend } = await open()
    await instance.createUser('alice', 'correct horse battery staple')
    const alice = await instance.loginUser('alice', 'correct horse battery staple')
    await alice.addPrivateKey('second')
    const db = await alice.createDatabase({ name: 'secret' })
    await alice.trackDatabase({ databaseId: db.id })
    await alice.mapKey((await alice.listKeys())[1]!.keyId, db.id, 'x')
    const seeds = await Promise.all((await alice.listKeys()).map(async (k) => (await alice.getSigningKey(k.keyId)).privateKey))
    const file = join(dir, 'snapshot.json')
    await backend.save(file)
    const bytes = await readFile(file)
    const text = bytes.toString('utf8')
    for (const seed of seeds) {
      expect(bytes.indexOf(Buffer.from(seed))).toBe(-1)
      for (const form of [
        bytesToHex(seed),
        bytesToHex(seed).toUpperCase(),
        bytesToBase64(seed),
        bytesToBase64(seed).replace(/=+$/, ''),
        Buffer.from(seed).toString('base64url'),
        JSON.stringify([...seed]),
      ])
        expect(text.includes(form), form).toBe(false)
    }
    expect(text.includes('correct horse battery staple')).toBe(false)
  })

  it('a wrong password leaves no state behind: entries, statuses, roots, local keys and metadata unchanged', async () => {
    const { instance, backend } = await open()
    await instance.createUser('alice', 'right')
    await instance.createUser('bob')
    const session = await instance.loginUser('alice', 'right')
    await session.addPrivateKey('another')
    const before = await backendState(backend)
    expect(await codeOf(instance.loginUser('alice', 'wrong'))).toBe('INVALID_PASSWORD')
    expect(await codeOf(instance.loginUser('alice', ''))).toBe('INVALID_PASSWORD')
    expect(await codeOf(instance.loginUser('alice'))).toBe('PASSWORD_REQUIRED')
    expect(await codeOf(instance.loginUser('bob', 'anything'))).toBe('INVALID_PASSWORD')
    expect(await codeOf(instance.loginUser('nobody', 'x'))).toBe('USER_NOT_FOUND')
    expect(await backendState(backend)).toEqual(before)
    // and the right password still works afterwards
    expect((await instance.loginUser('alice', 'right')).username).toBe('alice')
  })

  it('several users on one instance at once, each seeing only their own keys and databases', async () => {
    const { instance } = await open()
    await Promise.all([instance.createUser('alice', 'a'), instance.createUser('bob'), instance.createUser('carol', '')])
    const [alice, bob, carol] = await Promise.all([
      instance.loginUser('alice', 'a'),
      instance.loginUser('bob'),
      instance.loginUser('carol', ''),
    ])
    await Promise.all([alice.addPrivateKey('a2'), bob.addPrivateKey('b2'), bob.addPrivateKey('b3')])
    const dbs = await Promise.all([alice, bob, carol].map((u) => u.createDatabase({ name: 'mine' })))
    const keys = await Promise.all([alice, bob, carol].map(async (u) => (await u.listKeys()).map((k) => k.keyId)))
    expect(keys.map((k) => k.length)).toEqual([2, 3, 1])
    expect(new Set(keys.flat()).size).toBe(6)
    const users = [alice, bob, carol]
    for (const [i, user] of users.entries()) {
      expect((await user.findDatabase('mine')).map((d) => d.id)).toEqual([dbs[i]!.id])
      for (const [j, theirs] of keys.entries()) {
        if (i === j) continue
        for (const k of theirs) expect(await codeOf(user.getSigningKey(k))).toBe('KEY_NOT_FOUND')
        expect(await codeOf(user.openDatabase(dbs[j]!.id))).toBe('NO_KEY_FOR_DATABASE')
      }
    }
    // a user cannot sign with another's key by naming its auth entry
    await bob.mapKey(keys[1]![0]!, dbs[0]!.id, keys[0]![0]!)
    const handle = await bob.openDatabase(dbs[0]!.id)
    const txn = await handle.newTransaction()
    await (await txn.getStore('doc', DocStore)).set('k', 'intrusion')
    expect(await codeOf(txn.commit())).toBe('UNAUTHORIZED')
    expect(await dbs[0]!.getTips()).toEqual([dbs[0]!.id])
  })
})
