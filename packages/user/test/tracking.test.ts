import { Permission, type Database } from '@engram/database'
import { describe, expect, it } from 'vitest'
import { makeHost } from './helpers.js'

async function addAuth(db: Database, name: string, pubkey: string, permission: Permission): Promise<void> {
  const txn = await db.newTransaction()
  await (await txn.getSettingsStore()).addKey(name, { pubkey, permission })
  await txn.commit()
}

async function twoUsers() {
  const host = await makeHost()
  await host.createUser('alice')
  await host.createUser('bob')
  const alice = await host.login('alice')
  const bob = await host.login('bob')
  const db = await alice.createDatabase({ name: 'shared' })
  return { host, alice, bob, db, bobKey: await bob.getDefaultKey() }
}

describe('trackDatabase', () => {
  it('maps the key to its direct auth entry and stores default sync settings', async () => {
    const { host, bob, db, bobKey } = await twoUsers()
    await addAuth(db, 'bob-laptop', bobKey, Permission.write(10))
    const tracked = await bob.trackDatabase({ databaseId: db.id })
    expect(tracked).toEqual({ databaseId: db.id, keyId: bobKey, syncSettings: { syncEnabled: false, syncOnCommit: false } })
    expect(await bob.keyMapping(bobKey, db.id)).toBe('bob-laptop')
    expect(await bob.databasePreferences(db.id)).toEqual(tracked)
    expect(await bob.listTrackedDatabases()).toEqual([tracked])
    expect(host.registry.get(db.id)!.tracking.get(bob.userId)).toMatchObject({ username: 'bob', syncSettings: tracked.syncSettings })
  })

  it('a * entry maps to *, and the strongest entry wins when there are several', async () => {
    const { bob, db, bobKey } = await twoUsers()
    await addAuth(db, '*', '*', Permission.write(20))
    await bob.trackDatabase({ databaseId: db.id })
    expect(await bob.keyMapping(bobKey, db.id)).toBe('*')
    // a direct Admin entry is stronger than the Write wildcard: tracking again picks it
    await addAuth(db, 'bob-admin', bobKey, Permission.admin(5))
    await bob.trackDatabase({ databaseId: db.id })
    expect(await bob.keyMapping(bobKey, db.id)).toBe('bob-admin')
  })

  it('NO_SIGKEY_FOUND when the auth has nothing for the key; DATABASE_NOT_FOUND for an unknown id', async () => {
    const { bob, db } = await twoUsers()
    await expect(bob.trackDatabase({ databaseId: db.id })).rejects.toMatchObject({ code: 'NO_SIGKEY_FOUND' })
    expect(await bob.databasePreferences(db.id)).toBeUndefined()
    expect(await bob.listTrackedDatabases()).toEqual([])
    await expect(bob.trackDatabase({ databaseId: 'sha256:' + 'a'.repeat(64) })).rejects.toMatchObject({
      code: 'DATABASE_NOT_FOUND',
    })
  })

  it('tracking again updates key and settings; a failed call changes nothing', async () => {
    const { bob, db, bobKey } = await twoUsers()
    await addAuth(db, 'bob', bobKey, Permission.write(10))
    const first = await bob.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true } })
    const second = await bob.trackDatabase({
      databaseId: db.id,
      syncSettings: { syncEnabled: true, syncOnCommit: true, intervalSeconds: 30, properties: { peer: 'x' } },
    })
    expect(second.syncSettings).toEqual({ syncEnabled: true, syncOnCommit: true, intervalSeconds: 30, properties: { peer: 'x' } })
    expect(await bob.databasePreferences(db.id)).toEqual(second)

    const other = await bob.addPrivateKey('not in the auth')
    await expect(bob.trackDatabase({ databaseId: db.id, keyId: other })).rejects.toMatchObject({ code: 'NO_SIGKEY_FOUND' })
    await expect(bob.trackDatabase({ databaseId: db.id, syncSettings: { intervalSeconds: -1 } })).rejects.toBeInstanceOf(RangeError)
    expect(await bob.databasePreferences(db.id)).toEqual(second)
    expect(await bob.keyMapping(other, db.id)).toBeUndefined()
    expect(first.keyId).toBe(bobKey)
  })

  it('untrackDatabase removes the preferences (not the key mapping); untracking again is a no-op', async () => {
    const { host, alice, bob, db, bobKey } = await twoUsers()
    await addAuth(db, 'bob', bobKey, Permission.write(10))
    const other = await alice.createDatabase({ name: 'other' })
    await alice.trackDatabase({ databaseId: db.id })
    await alice.trackDatabase({ databaseId: other.id })
    await bob.trackDatabase({ databaseId: db.id })
    expect((await alice.listTrackedDatabases()).map((t) => t.databaseId)).toEqual([db.id, other.id])

    await alice.untrackDatabase(db.id)
    expect((await alice.listTrackedDatabases()).map((t) => t.databaseId)).toEqual([other.id])
    expect(await alice.databasePreferences(db.id)).toBeUndefined()
    expect(await alice.findKey(db.id)).toBe(await alice.getDefaultKey())
    expect([...host.registry.get(db.id)!.tracking.keys()]).toEqual([bob.userId])
    await alice.untrackDatabase(db.id)
    expect(await bob.databasePreferences(db.id)).toBeDefined()
  })

  it('rejects malformed arguments with TypeError', async () => {
    const { bob, db } = await twoUsers()
    await expect(bob.trackDatabase(null as never)).rejects.toBeInstanceOf(TypeError)
    await expect(bob.trackDatabase({ databaseId: 1 } as never)).rejects.toBeInstanceOf(TypeError)
    await expect(bob.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: 'yes' } as never })).rejects.toBeInstanceOf(
      TypeError,
    )
    await expect(bob.untrackDatabase(undefined as never)).rejects.toBeInstanceOf(TypeError)
  })
})
