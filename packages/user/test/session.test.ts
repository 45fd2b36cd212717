import { Database, Table } from '@engram/database'
import { openUserSession, type User } from '../src/index.js'
import { describe, expect, it } from 'vitest'
import { makeHost } from './helpers.js'

/** Every public method of a session, called with plausible arguments. */
function everyCall(user: User, dbId: string, keyId: string): [string, () => Promise<unknown>][] {
  return [
    ['createDatabase', () => user.createDatabase({ name: 'x' })],
    ['openDatabase', () => user.openDatabase(dbId)],
    ['findDatabase', () => user.findDatabase('x')],
    ['addPrivateKey', () => user.addPrivateKey()],
    ['listKeys', () => user.listKeys()],
    ['getDefaultKey', () => user.getDefaultKey()],
    ['getSigningKey', () => user.getSigningKey(keyId)],
    ['getPublicKey', () => user.getPublicKey(keyId)],
    ['mapKey', () => user.mapKey(keyId, dbId, '*')],
    ['findKey', () => user.findKey(dbId)],
    ['keyMapping', () => user.keyMapping(keyId, dbId)],
    ['trackDatabase', () => user.trackDatabase({ databaseId: dbId })],
    ['untrackDatabase', () => user.untrackDatabase(dbId)],
    ['listTrackedDatabases', () => user.listTrackedDatabases()],
    ['databasePreferences', () => user.databasePreferences(dbId)],
    ['logout', () => user.logout()],
  ]
}

describe('session', () => {
  it('exposes username, userId and its private database', async () => {
    const host = await makeHost()
    const record = await host.createUser('alice')
    const alice = await host.login('alice')
    expect(alice.username).toBe('alice')
    expect(alice.userId).toBe(record.userId)
    expect(alice.userDatabaseId).toBe(record.userDatabaseId)
    expect(alice.isClosed).toBe(false)
  })

  it('after logout every call throws SESSION_CLOSED, and opened databases can no longer sign', async () => {
    const host = await makeHost()
    await host.createUser('alice', 'pw')
    const alice = await host.login('alice', 'pw')
    const db = await alice.createDatabase({ name: 'd' })
    const keyId = await alice.getDefaultKey()
    const handle = await alice.openDatabase(db.id)
    const { privateKey } = await alice.getSigningKey(keyId)

    await alice.logout()
    expect(alice.isClosed).toBe(true)
    expect(host.closed).toEqual([alice])
    for (const [name, call] of everyCall(alice, db.id, keyId))
      await expect(call(), name).rejects.toMatchObject({ code: 'SESSION_CLOSED' })

    const txn = await handle.newTransaction()
    await (await txn.getStore('t', Table<{ a: number }>)).insert({ a: 1 })
    await expect(txn.commit()).rejects.toMatchObject({ code: 'SESSION_CLOSED' })
    expect(await handle.getTips()).toEqual([db.id])

    // the session's key is gone, but the account is intact: logging in again works
    const again = await host.login('alice', 'pw')
    expect((await again.getSigningKey(keyId)).privateKey).toEqual(privateKey)
  })

  it('several users at once each see only their own keys', async () => {
    const host = await makeHost()
    await host.createUser('alice', 'a')
    await host.createUser('bob')
    await host.createUser('carol', '')
    const [alice, bob, carol] = await Promise.all([host.login('alice', 'a'), host.login('bob'), host.login('carol', '')])
    await Promise.all([alice.addPrivateKey(), bob.addPrivateKey(), bob.addPrivateKey()])
    const ids = await Promise.all([alice, bob, carol].map(async (u) => (await u.listKeys()).map((k) => k.keyId)))
    expect(ids.map((k) => k.length)).toEqual([2, 3, 1])
    const all = ids.flat()
    expect(new Set(all).size).toBe(all.length)
    for (const foreign of ids[0]!) {
      await expect(bob.getSigningKey(foreign)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
      await expect(carol.getPublicKey(foreign)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
    }
    // alice logging out does not disturb bob
    await alice.logout()
    expect(await bob.listKeys()).toHaveLength(3)
  })

  it('opening with the wrong password (bypassing the hash check) fails with CORRUPT_KEY', async () => {
    const host = await makeHost()
    const record = await host.createUser('alice', 'right')
    await expect(openUserSession(host, record, 'wrong')).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
    // a record that claims a password but lost its salt
    await expect(openUserSession(host, { ...record, keySalt: null }, 'right')).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
    await expect(openUserSession(host, { ...record, keySalt: '***' }, 'right')).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
    await expect(openUserSession(host, { ...record, keySalt: 'AAAA' }, 'right')).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
    await expect(openUserSession(host, { ...record, keyKdf: { m: 1, t: 0, p: 0 } }, 'right')).rejects.toMatchObject({
      code: 'CORRUPT_KEY',
    })
    // a sealed key cannot be opened without the password
    await expect(openUserSession(host, record)).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
    expect((await openUserSession(host, record, 'right')).username).toBe('alice')
  })

  it('a user database whose keys are gone → NO_KEYS_AVAILABLE at login', async () => {
    const host = await makeHost()
    const record = await host.createUser('alice')
    const db = await Database.open(host.engine, record.userDatabaseId, host.deviceSigner)
    const txn = await db.newTransaction()
    const keys = await txn.getStore('keys', Table<unknown>)
    for (const [id] of await keys.entries()) await keys.delete(id)
    await txn.commit()
    await expect(openUserSession(host, record)).rejects.toMatchObject({ code: 'NO_KEYS_AVAILABLE' })
  })

  it('a damaged key row → CORRUPT_KEY at login', async () => {
    const host = await makeHost()
    const record = await host.createUser('alice')
    const db = await Database.open(host.engine, record.userDatabaseId, host.deviceSigner)
    const txn = await db.newTransaction()
    const keys = await txn.getStore('keys', Table<Record<string, unknown>>)
    const [id, row] = (await keys.entries())[0]!
    await keys.set(id, { ...row, privateKey: 42 })
    await txn.commit()
    await expect(openUserSession(host, record)).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
  })

  it('concurrent key additions and mappings in one session lose nothing', async () => {
    const host = await makeHost()
    await host.createUser('alice')
    const alice = await host.login('alice')
    const dbs = await Promise.all([1, 2, 3].map((i) => alice.createDatabase({ name: `db${i}` })))
    const keyId = await alice.getDefaultKey()
    await Promise.all([...dbs.map((d) => alice.mapKey(keyId, d.id, `name-${d.id.slice(-4)}`)), alice.addPrivateKey(), alice.addPrivateKey()])
    for (const d of dbs) expect(await alice.keyMapping(keyId, d.id)).toBe(`name-${d.id.slice(-4)}`)
    expect(await alice.listKeys()).toHaveLength(3)
  })
})
