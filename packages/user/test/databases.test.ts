import { Database, Permission, Table } from '@engram/database'
import { describe, expect, it } from 'vitest'
import { makeHost } from './helpers.js'

type Task = { title: string }

async function write(db: Database, title: string): Promise<string> {
  const txn = await db.newTransaction()
  const tasks = await txn.getStore('tasks', Table<Task>)
  const id = await tasks.insert({ title })
  await txn.commit()
  return id
}

async function rows(db: Database): Promise<string[]> {
  const view = await db.getStore('tasks', Table<Task>)
  return (await view.entries()).map(([, r]) => r.title).sort()
}

describe('createDatabase', () => {
  it('creates a named database with the default key as Admin(0), registers it and maps the key', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    const alice = await host.login('alice')
    const db = await alice.createDatabase({ name: 'todos' })
    const keyId = await alice.getDefaultKey()

    expect(await db.name()).toBe('todos')
    expect(await db.getTips()).toEqual([db.id])
    const auth = await (await db.getSettings()).getKey(keyId)
    expect(auth).toMatchObject({ pubkey: keyId, status: 'active' })
    expect(Permission.equals(auth!.permission, Permission.admin(0))).toBe(true)
    expect(host.registry.get(db.id)).toMatchObject({ name: 'todos', createdBy: alice.userId })
    expect(await alice.findKey(db.id)).toBe(keyId)
    expect(await alice.keyMapping(keyId, db.id)).toBe(keyId)

    await write(db, 'first')
    expect(await rows(db)).toEqual(['first'])
  })

  it('creates with a chosen key, and KEY_NOT_FOUND for a key the user lacks', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    const alice = await host.login('alice')
    const second = await alice.addPrivateKey('work')
    const db = await alice.createDatabase({ name: 'work' }, second)
    expect(await (await db.getSettings()).getKey(second)).toMatchObject({ pubkey: second })
    expect(await (await db.getSettings()).getKey(await alice.getDefaultKey())).toBeUndefined()
    await expect(alice.createDatabase({ name: 'x' }, 'ed25519:nope')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
  })

  it('uses a given settings.auth as is, signing under the entry that holds the key', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    await host.createUser('bob')
    const alice = await host.login('alice')
    const bob = await host.login('bob')
    const keyId = await alice.getDefaultKey()
    const bobKey = await bob.getDefaultKey()
    const db = await alice.createDatabase({
      name: 'team',
      auth: {
        owner: { pubkey: keyId, permission: Permission.admin(0), status: 'active' },
        helper: { pubkey: bobKey, permission: Permission.write(5), status: 'active' },
      },
    })
    expect(await alice.keyMapping(keyId, db.id)).toBe('owner')
    expect(await (await db.getSettings()).getKey(keyId)).toBeUndefined()
    await write(db, 'by owner')
    await write(await bob.openDatabase(db.id), 'by helper')
    expect(await rows(db)).toEqual(['by helper', 'by owner'])
    // an auth that does not make the creator an Admin is refused, and nothing is registered
    const before = host.registry.size
    await expect(
      alice.createDatabase({ name: 'locked out', auth: { other: { pubkey: bobKey, permission: Permission.admin(0), status: 'active' } } }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    expect(host.registry.size).toBe(before)
  })

  it('rejects settings that are not a plain object, and a non-string name', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    const alice = await host.login('alice')
    await expect(alice.createDatabase(null as never)).rejects.toBeInstanceOf(TypeError)
    await expect(alice.createDatabase([] as never)).rejects.toBeInstanceOf(TypeError)
    await expect(alice.createDatabase({ name: 3 })).rejects.toBeInstanceOf(TypeError)
  })

  it('gives identical settings distinct databases', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    const alice = await host.login('alice')
    const a = await alice.createDatabase({ name: 'same' })
    const b = await alice.createDatabase({ name: 'same' })
    expect(a.id).not.toBe(b.id)
    expect((await alice.findDatabase('same')).map((d) => d.id).sort()).toEqual([a.id, b.id].sort())
  })
})

describe('openDatabase', () => {
  it('opens a database with the mapped key; the handle signs commits', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    const alice = await host.login('alice')
    const created = await alice.createDatabase({ name: 'todos' })
    const db = await alice.openDatabase(created.id)
    expect(db.id).toBe(created.id)
    await write(db, 'via open')
    expect(await rows(created)).toEqual(['via open'])
  })

  it('DATABASE_NOT_FOUND for an unknown id; NO_KEY_FOR_DATABASE when no key can sign', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    await host.createUser('bob')
    const alice = await host.login('alice')
    const bob = await host.login('bob')
    const db = await alice.createDatabase({ name: 'private' })
    await expect(alice.openDatabase('sha256:' + '0'.repeat(64))).rejects.toMatchObject({ code: 'DATABASE_NOT_FOUND' })
    await expect(alice.openDatabase('not an id')).rejects.toMatchObject({ code: 'DATABASE_NOT_FOUND' })
    await expect(bob.openDatabase(db.id)).rejects.toMatchObject({ code: 'NO_KEY_FOR_DATABASE' })
    await expect(alice.openDatabase(5 as never)).rejects.toBeInstanceOf(TypeError)
  })

  it('opens with a key the auth accepts even without a mapping (direct entry or *)', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    await host.createUser('bob')
    const alice = await host.login('alice')
    const bob = await host.login('bob')
    const db = await alice.createDatabase({ name: 'shared' })
    const bobKey = await bob.getDefaultKey()
    const txn = await db.newTransaction()
    await (await txn.getSettingsStore()).addKey('bob', { pubkey: bobKey, permission: Permission.write(10) })
    await txn.commit()

    const bobDb = await bob.openDatabase(db.id)
    await write(bobDb, 'from bob')
    expect(await rows(await alice.openDatabase(db.id))).toEqual(['from bob'])
  })
})

describe('findDatabase', () => {
  it('returns only the databases of that name this user can open', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    await host.createUser('bob')
    const alice = await host.login('alice')
    const bob = await host.login('bob')
    const mine = await alice.createDatabase({ name: 'notes' })
    await bob.createDatabase({ name: 'notes' })
    expect((await alice.findDatabase('notes')).map((d) => d.id)).toEqual([mine.id])
    await expect(alice.findDatabase('nothing')).rejects.toMatchObject({ code: 'DATABASE_NOT_FOUND' })
    await expect(alice.findDatabase(7 as never)).rejects.toBeInstanceOf(TypeError)
  })

  it('finds a database shared through a wildcard entry, and the handle signs under *', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    await host.createUser('bob')
    const alice = await host.login('alice')
    const bob = await host.login('bob')
    await expect(bob.findDatabase('board')).rejects.toMatchObject({ code: 'DATABASE_NOT_FOUND' })
    const db = await alice.createDatabase({ name: 'board' })
    await expect(bob.findDatabase('board')).rejects.toMatchObject({ code: 'DATABASE_NOT_FOUND' })
    const txn = await db.newTransaction()
    await (await txn.getSettingsStore()).addKey('*', { pubkey: '*', permission: Permission.write(10) })
    await txn.commit()
    const [found] = await bob.findDatabase('board')
    await write(found!, 'wildcard write')
    expect(await rows(await alice.openDatabase(db.id))).toEqual(['wildcard write'])
  })
})
