import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryBackend } from '@engram/backend-memory'
import { bytesToBase64, bytesToHex } from '@engram/crypto'
import { Permission, Table } from '@engram/database'
import { Instance, type SyncContext } from '../src/index.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FAST, allEntryIds, openInstance } from './helpers.js'

type Note = { text: string }

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engram-core-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The forms a 32-byte seed could take in a text file. */
function forms(seed: Uint8Array): string[] {
  return [JSON.stringify([...seed]), `[${[...seed].join(', ')}]`, bytesToHex(seed), bytesToBase64(seed), bytesToBase64(seed).replace(/=+$/, '')]
}

describe('persistence: save → load → open → login', () => {
  it('keeps the device key, users, keys, databases, data and tracking', async () => {
    const { instance, backend } = await openInstance()
    await instance.createUser('alice', 'pw')
    await instance.createUser('bob')
    const alice = await instance.loginUser('alice', 'pw')
    const bob = await instance.loginUser('bob')
    const extra = await alice.addPrivateKey('second')
    const db = await alice.createDatabase({ name: 'notes' })
    const txn = await db.newTransaction()
    const id = await (await txn.getStore('notes', Table<Note>)).insert({ text: 'persist me' })
    await (await txn.getSettingsStore()).addKey('bob', { pubkey: await bob.getDefaultKey(), permission: Permission.write(10) })
    await txn.commit()
    await bob.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: false, intervalSeconds: 60 } })
    const aliceKeys = await alice.listKeys()
    const aliceSeed = (await alice.getSigningKey(extra)).privateKey

    const file = join(dir, 'instance.json')
    await backend.save(file)
    const reopened = await Instance.open(await MemoryBackend.load(file), { argon2: FAST })

    expect(reopened.devicePublicKey()).toBe(instance.devicePublicKey())
    expect(reopened.systemDatabaseIds()).toEqual(instance.systemDatabaseIds())
    expect(await reopened.listUsers()).toEqual(['alice', 'bob'])
    await expect(reopened.loginUser('alice', 'nope')).rejects.toMatchObject({ code: 'INVALID_PASSWORD' })
    const alice2 = await reopened.loginUser('alice', 'pw')
    expect(alice2.userId).toBe(alice.userId)
    expect(await alice2.listKeys()).toEqual(aliceKeys)
    expect((await alice2.getSigningKey(extra)).privateKey).toEqual(aliceSeed)

    const [found] = await alice2.findDatabase('notes')
    expect(await (await found!.getStore('notes', Table<Note>)).get(id)).toEqual({ text: 'persist me' })
    const bob2 = await reopened.loginUser('bob')
    expect(await bob2.listTrackedDatabases()).toEqual([
      { databaseId: db.id, keyId: await bob.getDefaultKey(), syncSettings: { syncEnabled: true, syncOnCommit: false, intervalSeconds: 60 } },
    ])
    const bobDb = await bob2.openDatabase(db.id)
    const t2 = await bobDb.newTransaction()
    await (await t2.getStore('notes', Table<Note>)).insert({ text: 'after reload' })
    await t2.commit()
    expect(await (await (await alice2.openDatabase(db.id)).getStore('notes', Table<Note>)).entries()).toHaveLength(2)
  })
})

describe('security', () => {
  it("a password user's private keys appear nowhere in the snapshot (raw, hex, base64); a passwordless user's do", async () => {
    const { instance, backend } = await openInstance()
    await instance.createUser('alice', 'correct horse')
    await instance.createUser('bob')
    const alice = await instance.loginUser('alice', 'correct horse')
    const bob = await instance.loginUser('bob')
    await alice.addPrivateKey('second')
    await alice.createDatabase({ name: 'secret stuff' })
    const seeds = await Promise.all((await alice.listKeys()).map(async (k) => (await alice.getSigningKey(k.keyId)).privateKey))
    const bobSeed = (await bob.getSigningKey(await bob.getDefaultKey())).privateKey

    const file = join(dir, 'snap.json')
    await backend.save(file)
    const text = await readFile(file, 'utf8')
    expect(seeds).toHaveLength(2)
    for (const seed of seeds) for (const form of forms(seed)) expect(text.includes(form), form).toBe(false)
    expect(text.includes('correct horse')).toBe(false)
    // the search works: the passwordless user's key is stored plain, as documented
    expect(text.includes(bytesToBase64(bobSeed))).toBe(true)
  })

  it("one user cannot use another's keys or databases", async () => {
    const { instance } = await openInstance()
    await instance.createUser('alice', 'a')
    await instance.createUser('bob')
    const alice = await instance.loginUser('alice', 'a')
    const bob = await instance.loginUser('bob')
    const aliceKey = await alice.getDefaultKey()
    const db = await alice.createDatabase({ name: 'private' })

    await expect(bob.getSigningKey(aliceKey)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
    await expect(bob.mapKey(aliceKey, db.id, aliceKey)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
    await expect(bob.createDatabase({ name: 'x' }, aliceKey)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
    await expect(bob.trackDatabase({ databaseId: db.id, keyId: aliceKey })).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
    await expect(bob.openDatabase(db.id)).rejects.toMatchObject({ code: 'NO_KEY_FOR_DATABASE' })
    await expect(bob.trackDatabase({ databaseId: db.id })).rejects.toMatchObject({ code: 'NO_SIGKEY_FOUND' })
    await expect(bob.findDatabase('private')).rejects.toMatchObject({ code: 'DATABASE_NOT_FOUND' })
    // bob mapping his own key to alice's entry name does not let him write
    await bob.mapKey(await bob.getDefaultKey(), db.id, aliceKey)
    const handle = await bob.openDatabase(db.id)
    const txn = await handle.newTransaction()
    await (await txn.getStore('t', Table<Note>)).insert({ text: 'intrusion' })
    await expect(txn.commit()).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    expect(await db.getTips()).toEqual([db.id])
  })

  it('a wrong password leaves no session, no entry and no key material behind', async () => {
    let ctx: SyncContext | undefined
    const { instance, backend } = await openInstance({ sync: async (c) => ((ctx = c), {}) })
    await instance.enableSync()
    await instance.createUser('alice', 'right')
    const before = await allEntryIds(backend)
    await expect(instance.loginUser('alice', 'wrong')).rejects.toMatchObject({ code: 'INVALID_PASSWORD' })
    await expect(instance.loginUser('alice')).rejects.toMatchObject({ code: 'PASSWORD_REQUIRED' })
    expect(await allEntryIds(backend)).toEqual(before)
    expect(await backend.listLocalKeys()).toEqual(['_device_key'])
    expect(ctx!.sessions()).toEqual([])
  })

  it('after logout nothing on the session works, including databases it opened', async () => {
    const { instance } = await openInstance()
    await instance.createUser('alice', 'pw')
    const alice = await instance.loginUser('alice', 'pw')
    const db = await alice.createDatabase({ name: 'd' })
    await alice.logout()
    await expect(alice.listKeys()).rejects.toMatchObject({ code: 'SESSION_CLOSED' })
    await expect(alice.openDatabase(db.id)).rejects.toMatchObject({ code: 'SESSION_CLOSED' })
    await expect(alice.logout()).rejects.toMatchObject({ code: 'SESSION_CLOSED' })
    const txn = await db.newTransaction()
    await (await txn.getStore('t', Table<Note>)).insert({ text: 'late' })
    await expect(txn.commit()).rejects.toMatchObject({ code: 'SESSION_CLOSED' })
  })
})
