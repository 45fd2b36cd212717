import { Database, Table, type WriteEvent } from '@engram/database'
import {
  Instance,
  registerSyncFactory,
  registeredSyncFactory,
  unregisterSyncFactory,
  type SyncContext,
  type SyncFactory,
} from '../src/index.js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FAST, openInstance } from './helpers.js'

async function commitRow(db: Database, title: string): Promise<string> {
  const txn = await db.newTransaction()
  await (await txn.getStore('tasks', Table<{ title: string }>)).insert({ title })
  return txn.commit()
}

describe('write hooks', () => {
  it('local listeners fire for every commit (global) or one database', async () => {
    const { instance } = await openInstance()
    await instance.createUser('alice')
    const alice = await instance.loginUser('alice')
    const a = await alice.createDatabase({ name: 'a' })
    const b = await alice.createDatabase({ name: 'b' })
    const global: WriteEvent[] = []
    const onlyA: WriteEvent[] = []
    const offGlobal = instance.onWrite('local', (e) => void global.push(e))
    instance.onWrite('local', (e) => void onlyA.push(e), a.id)

    const e1 = await commitRow(a, 'one')
    const e2 = await commitRow(b, 'two')
    expect(onlyA.map((e) => e.entryId)).toEqual([e1])
    expect(global.filter((e) => e.databaseId !== instance.systemDatabaseIds().databases).map((e) => [e.entryId, e.databaseId])).toEqual([
      [e1, a.id],
      [e2, b.id],
    ])
    expect(global.every((e) => e.source === 'local')).toBe(true)

    offGlobal()
    await commitRow(a, 'three')
    expect(global.filter((e) => e.databaseId === a.id)).toHaveLength(1)
    expect(onlyA).toHaveLength(2)
  })

  it('remote listeners fire for entries received from another instance once verified', async () => {
    const source = await openInstance()
    await source.instance.createUser('alice')
    const alice = await source.instance.loginUser('alice')
    const db = await alice.createDatabase({ name: 'shared' })
    await commitRow(db, 'hello')
    const entries = (await db.getAllEntries()).map((e) => e.entry)

    const target = await openInstance()
    const remote: WriteEvent[] = []
    const local: WriteEvent[] = []
    target.instance.onWrite('remote', (e) => void remote.push(e), db.id)
    target.instance.onWrite('local', (e) => void local.push(e))
    const result = await target.instance.engine().receiveEntries(entries)
    expect(result.verified).toHaveLength(2)
    expect(remote.map((e) => e.entryId).sort()).toEqual((await db.getAllEntries()).map((e) => e.id).sort())
    expect(remote.every((e) => e.source === 'remote' && e.databaseId === db.id)).toBe(true)
    expect(local).toEqual([])
  })

  it('rejects a bad source or listener with TypeError', async () => {
    const { instance } = await openInstance()
    expect(() => instance.onWrite('both' as never, () => {})).toThrow(TypeError)
    expect(() => instance.onWrite('local', 'nope' as never)).toThrow(TypeError)
  })
})

describe('sync plugin slot', () => {
  afterEach(() => unregisterSyncFactory())

  /** A stand-in for @engram/sync: creates `_sync` with the device key and records it. */
  function standIn(calls: SyncContext[] = []): SyncFactory {
    return async (ctx) => {
      calls.push(ctx)
      let id = ctx.syncDatabaseId()
      if (id === undefined) {
        const db = await Database.create(ctx.engine, { name: '_sync', type: 'sync_settings' }, ctx.deviceSigner)
        id = db.id
        await ctx.setSyncDatabaseId(id)
      }
      return { kind: 'stand-in', syncDatabaseId: id, close: vi.fn() }
    }
  }

  it('without a factory enableSync() → SYNC_UNAVAILABLE and sync() stays undefined', async () => {
    const { instance } = await openInstance()
    expect(registeredSyncFactory()).toBeUndefined()
    await expect(instance.enableSync()).rejects.toMatchObject({ code: 'SYNC_UNAVAILABLE' })
    expect(instance.sync()).toBeUndefined()
    expect(instance.systemDatabaseIds().sync).toBeUndefined()
  })

  it('a registered factory is called once per instance, even by concurrent calls', async () => {
    const calls: SyncContext[] = []
    registerSyncFactory(standIn(calls))
    const { instance } = await openInstance()
    expect(instance.sync()).toBeUndefined()
    const [s1, s2] = await Promise.all([instance.enableSync(), instance.enableSync()])
    const s3 = await instance.enableSync()
    expect(s1).toBe(s2)
    expect(s1).toBe(s3)
    expect(instance.sync()).toBe(s1)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.instance).toBe(instance)
    expect(calls[0]!.devicePublicKey).toBe(instance.devicePublicKey())
    expect(instance.systemDatabaseIds().sync).toBe((s1 as unknown as { syncDatabaseId: string }).syncDatabaseId)
  })

  it('the _sync root is recorded in _instance and found after a reopen; sync() is undefined until enabled again', async () => {
    registerSyncFactory(standIn())
    const { instance, backend } = await openInstance()
    const first = (await instance.enableSync()) as unknown as { syncDatabaseId: string }
    const again = await Instance.open(backend, { argon2: FAST })
    expect(again.systemDatabaseIds().sync).toBe(first.syncDatabaseId)
    expect(again.sync()).toBeUndefined()
    const second = (await again.enableSync()) as unknown as { syncDatabaseId: string }
    expect(second.syncDatabaseId).toBe(first.syncDatabaseId)
    expect((await backend.rootIds()).length).toBe(4)
  })

  it('detach(): sync() is undefined again and enableSync() builds a fresh module on the same _sync', async () => {
    const calls: SyncContext[] = []
    registerSyncFactory(standIn(calls))
    const { instance } = await openInstance()
    const first = (await instance.enableSync()) as unknown as { syncDatabaseId: string }
    calls[0]!.detach()
    expect(instance.sync()).toBeUndefined()
    const second = (await instance.enableSync()) as unknown as { syncDatabaseId: string }
    expect(second).not.toBe(first)
    expect(second.syncDatabaseId).toBe(first.syncDatabaseId)
    // A stale context's detach leaves the new module attached.
    calls[0]!.detach()
    expect(instance.sync()).toBe(second)
    calls[1]!.detach()
    expect(instance.sync()).toBeUndefined()
  })

  it('InstanceOptions.sync wins over the registered factory', async () => {
    registerSyncFactory(async () => ({ which: 'global' }))
    const { instance } = await openInstance({ sync: async () => ({ which: 'option' }) })
    expect(await instance.enableSync()).toEqual({ which: 'option' })
  })

  it('a failing factory leaves sync disabled and can be retried', async () => {
    let fail = true
    registerSyncFactory(async () => {
      if (fail) throw new Error('transport init failed')
      return { ok: true }
    })
    const { instance } = await openInstance()
    await expect(instance.enableSync()).rejects.toThrow('transport init failed')
    expect(instance.sync()).toBeUndefined()
    fail = false
    expect(await instance.enableSync()).toEqual({ ok: true })
  })

  it('a factory that returns a non-object → TypeError; registering a non-function → TypeError', async () => {
    const { instance } = await openInstance({ sync: (() => 42) as never })
    await expect(instance.enableSync()).rejects.toBeInstanceOf(TypeError)
    expect(() => registerSyncFactory('x' as never)).toThrow(TypeError)
  })

  it('the context exposes accounts, the _databases registry, live sessions and write hooks', async () => {
    const calls: SyncContext[] = []
    const { instance } = await openInstance({ sync: standIn(calls) })
    await instance.createUser('alice')
    await instance.createUser('bob', 'pw')
    const alice = await instance.loginUser('alice')
    const db = await alice.createDatabase({ name: 'shared' })
    await alice.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: true } })
    await instance.enableSync()
    const ctx = calls[0]!

    expect((await ctx.users()).map((u) => [u.username, u.passwordHash === null])).toEqual([
      ['alice', true],
      ['bob', false],
    ])
    const [record] = await ctx.databases()
    expect(record).toMatchObject({ databaseId: db.id, name: 'shared', createdBy: alice.userId })
    expect(record!.trackedBy).toEqual([
      { userId: alice.userId, username: 'alice', syncSettings: { syncEnabled: true, syncOnCommit: true } },
    ])
    expect(ctx.sessions()).toEqual([alice])
    const bob = await instance.loginUser('bob', 'pw')
    expect(ctx.sessions()).toEqual([alice, bob])
    await alice.logout()
    expect(ctx.sessions()).toEqual([bob])

    const seen: string[] = []
    ctx.onWrite('local', (e) => void seen.push(e.databaseId), db.id)
    const bobDb = await bob.createDatabase({ name: 'bobs' })
    expect(seen).toEqual([])
    await commitRow(await (await instance.loginUser('alice')).openDatabase(db.id), 'x')
    expect(seen).toEqual([db.id])
    expect(bobDb.id).not.toBe(db.id)

    await alice.untrackDatabase(db.id).catch(() => undefined) // closed session: nothing changes
    expect((await ctx.databases())[0]!.trackedBy).toHaveLength(1)
  })
})
