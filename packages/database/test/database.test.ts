import { describe, expect, it, vi } from 'vitest'
import { Database, DocStore, Engine, Permission, Table } from '@engram/database'
import { MemoryBackend } from '@engram/backend-memory'
import { expectCode, keyFromSeed, newEngine, pub, setup } from './helpers.js'

describe('Database.create / open', () => {
  it('creates a root entry with settings, entropy and the creator as Admin(0)', async () => {
    const { db, key, engine } = await setup({ name: 'todos', color: 'blue' })
    expect(db.id).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(await db.name()).toBe('todos')
    expect(await db.getTips()).toEqual([db.id])
    const settings = await db.getSettings()
    expect(await settings.get('color')).toBe('blue')
    expect(await settings.getKey('admin')).toEqual({ pubkey: pub(key), permission: Permission.admin(0), status: 'active' })
    const root = await engine.backend.get(db.id)
    expect(root.tree).toMatchObject({ root: '', parents: [] })
    expect(root.subtrees.map((s) => s.name)).toEqual(['_root', '_settings'])
    expect(JSON.parse(root.tree.metadata!)).toMatchObject({ settings_tips: [] })
    expect(typeof JSON.parse(root.tree.metadata!).entropy).toBe('number')
    expect(await db.getAllEntries()).toEqual([{ id: db.id, entry: root }])
  })

  it('gives every database its own id, even with the same settings and key', async () => {
    const engine = newEngine()
    const key = await keyFromSeed(1)
    const a = await Database.create(engine, { name: 'same' }, { key, sigKey: 'admin' })
    const b = await Database.create(engine, { name: 'same' }, { key, sigKey: 'admin' })
    expect(a.id).not.toBe(b.id)
  })

  it('uses given auth as is, and refuses a creator that is not Admin in it', async () => {
    const engine = newEngine()
    const alice = await keyFromSeed(1)
    const bob = await keyFromSeed(2)
    const auth = {
      alice: { pubkey: pub(alice), permission: { kind: 'admin', priority: 0 }, status: 'active' },
      bob: { pubkey: pub(bob), permission: { kind: 'write', priority: 5 }, status: 'active' },
    }
    const db = await Database.create(engine, { name: 'x', auth }, { key: alice, sigKey: 'alice' })
    expect((await (await db.getSettings()).listKeys()).map(([n]) => n)).toEqual(['alice', 'bob'])
    await expectCode(Database.create(engine, { name: 'x', auth }, { key: bob, sigKey: 'bob' }), 'UNAUTHORIZED')
    await expectCode(Database.create(engine, { name: 'x', auth }, { key: bob, sigKey: 'alice' }), 'UNAUTHORIZED')
    await expectCode(Database.create(engine, { name: 'x', auth: 'nope' }, { key: alice, sigKey: 'alice' }), 'INVALID_SETTINGS')
    await expectCode(Database.create(engine, { name: 'x', n: Number.NaN }, { key: alice, sigKey: 'alice' }), 'INVALID_VALUE')
  })

  it('opens by id, read-only without a signer', async () => {
    const { db, engine, signer } = await setup()
    const txn = await db.newTransaction()
    await (await txn.getStore('s', DocStore)).set('a', 1)
    await txn.commit()

    const ro = await Database.open(engine, db.id)
    expect(ro.readOnly).toBe(true)
    expect(await (await ro.getStore('s', DocStore)).get('a')).toBe(1)
    const t2 = await ro.newTransaction()
    await (await t2.getStore('s', DocStore)).set('a', 2)
    await expectCode(t2.commit(), 'READ_ONLY')
    const view = await ro.getStore('s', DocStore)
    await expectCode(view.set('a', 3), 'READ_ONLY')
    await expectCode((await ro.getSettings()).setName('n'), 'READ_ONLY')

    const rw = ro.withSigner(signer)
    const t3 = await rw.newTransaction()
    await (await t3.getStore('s', DocStore)).set('a', 4)
    await t3.commit()
    expect(await (await db.getStore('s', DocStore)).get('a')).toBe(4)
  })

  it('a second Engine over the same backend sees the same tips and state', async () => {
    const backend = new MemoryBackend()
    const key = await keyFromSeed(1)
    const db = await Database.create(new Engine(backend), { name: 'x' }, { key, sigKey: 'admin' })
    const other = await Database.open(new Engine(backend), db.id, { key, sigKey: 'admin' })
    const txn = await other.newTransaction()
    await (await txn.getStore('s', DocStore)).set('k', 'v')
    const id = await txn.commit()
    expect(await db.getTips()).toEqual([id])
    expect(await (await db.getStore('s', DocStore)).get('k')).toBe('v')
  })

  it('refuses unknown ids and non-root entries', async () => {
    const { db, engine } = await setup()
    await expectCode(Database.open(engine, 'sha256:' + '0'.repeat(64)), 'DATABASE_NOT_FOUND')
    await expectCode(Database.open(engine, 'garbage'), 'DATABASE_NOT_FOUND')
    const id = await (await db.newTransaction()).commit()
    await expectCode(Database.open(engine, id), 'DATABASE_NOT_FOUND')
  })

  it('getEntry refuses entries of other databases', async () => {
    const { db, engine, signer } = await setup()
    const other = await Database.create(engine, { name: 'other' }, signer)
    const id = await (await other.newTransaction()).commit()
    expect((await other.getEntry(id)).tree.root).toBe(other.id)
    await expectCode(db.getEntry(id), 'ENTRY_NOT_IN_DATABASE')
    await expectCode(db.getEntry(other.id), 'ENTRY_NOT_IN_DATABASE')
    await expectCode(db.getEntry('sha256:' + '0'.repeat(64)), 'ENTRY_NOT_FOUND')
  })
})

describe('transactions', () => {
  it('an empty transaction still commits an entry', async () => {
    const { db } = await setup()
    const id = await (await db.newTransaction()).commit()
    expect(await db.getTips()).toEqual([id])
    const entry = await db.getEntry(id)
    expect(entry.tree.parents).toEqual([db.id])
    expect(entry.subtrees).toEqual([])
  })

  it('reads inside a transaction see its staged changes; views do not', async () => {
    const { db } = await setup()
    const txn = await db.newTransaction()
    const store = await txn.getStore('s', DocStore)
    await store.set('a', 1)
    await store.setPath('b.c', 2)
    expect(await store.get('a')).toBe(1)
    expect(await store.getPath('b.c')).toBe(2)
    expect(await store.getAll()).toEqual({ a: 1, b: { c: 2 } })
    expect(await (await db.getStore('s', DocStore)).get('a')).toBeUndefined()
    await store.delete('a')
    expect(await store.get('a')).toBeUndefined()
    expect(await (await txn.getStore('s', DocStore)).get('b')).toEqual({ c: 2 })
    await txn.commit()
    expect(await (await db.getStore('s', DocStore)).toJSON()).toEqual({ b: { c: 2 } })
  })

  it('commit twice → TXN_CLOSED; writes after commit → TXN_CLOSED', async () => {
    const { db } = await setup()
    const txn = await db.newTransaction()
    const store = await txn.getStore('s', DocStore)
    await store.set('a', 1)
    await txn.commit()
    await expectCode(txn.commit(), 'TXN_CLOSED')
    await expectCode(store.set('a', 2), 'TXN_CLOSED')
    await expectCode(txn.getStore('t', DocStore), 'TXN_CLOSED')
    expect(await store.get('a')).toBe(1)
    expect((await db.getAllEntries()).length).toBe(2)
  })

  it('two concurrent commit() calls: one entry, the other TXN_CLOSED', async () => {
    const { db } = await setup()
    const txn = await db.newTransaction()
    const results = await Promise.allSettled([txn.commit(), txn.commit()])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'TXN_CLOSED' } })
  })

  it('newTransactionAt reads and branches at older tips', async () => {
    const { db } = await setup()
    const commit = async (v: number, tips?: string[]) => {
      const txn = tips ? await db.newTransactionAt(tips) : await db.newTransaction()
      await (await txn.getStore('s', DocStore)).set('v', v)
      return txn.commit()
    }
    const e1 = await commit(1)
    const e2 = await commit(2)
    await commit(3)
    const old = await db.newTransactionAt([e1])
    expect(await (await old.getStore('s', DocStore)).get('v')).toBe(1)
    const atE2 = await db.newTransactionAt([e2])
    expect(await (await atE2.getStore('s', DocStore)).get('v')).toBe(2)
    const branch = await commit(10, [e1])
    expect((await db.getTips()).length).toBe(2)
    expect((await db.getEntry(branch)).tree.parents).toEqual([e1])
  })

  it('refuses unknown, foreign and empty tips with INVALID_TIP', async () => {
    const { db, engine, signer } = await setup()
    const other = await Database.create(engine, { name: 'other' }, signer)
    await expectCode(db.newTransactionAt(['sha256:' + '0'.repeat(64)]), 'INVALID_TIP')
    await expectCode(db.newTransactionAt(['nonsense']), 'INVALID_TIP')
    await expectCode(db.newTransactionAt([other.id]), 'INVALID_TIP')
    await expectCode(db.newTransactionAt([]), 'INVALID_TIP')
  })

  it('registers stores in _index and refuses another type: TYPE_MISMATCH', async () => {
    const { db } = await setup()
    const txn = await db.newTransaction()
    await txn.getStore('tasks', Table)
    await expectCode(txn.getStore('tasks', DocStore), 'TYPE_MISMATCH')
    const id = await txn.commit()
    const entry = await db.getEntry(id)
    // Registration alone: an _index node with data, and a node for the store without data.
    expect(entry.subtrees.map((s) => [s.name, s.data !== undefined])).toEqual([
      ['_index', true],
      ['tasks', false],
    ])
    const t2 = await db.newTransaction()
    await expectCode(t2.getStore('tasks', DocStore), 'TYPE_MISMATCH')
    await expectCode(db.getStore('tasks', DocStore), 'TYPE_MISMATCH')
    await t2.getStore('tasks', Table)
    const id2 = await t2.commit()
    // Already registered: no _index change, and an untouched store leaves no node.
    expect((await db.getEntry(id2)).subtrees).toEqual([])
    await expect(t2.getStore('_settings', DocStore)).rejects.toBeInstanceOf(RangeError)
    await expect(t2.getStore('_index', DocStore)).rejects.toBeInstanceOf(RangeError)
  })

  it('sets store parents to the store tips and settings_tips from the transaction parents', async () => {
    const { db } = await setup()
    const t1 = await db.newTransaction()
    await (await t1.getStore('a', DocStore)).set('x', 1)
    const e1 = await t1.commit()
    const t2 = await db.newTransaction()
    await (await t2.getStore('b', DocStore)).set('y', 1)
    const e2 = await t2.commit()
    const t3 = await db.newTransaction()
    await (await t3.getStore('a', DocStore)).set('x', 2)
    const e3 = await t3.commit()
    const entry3 = await db.getEntry(e3)
    expect(entry3.tree.parents).toEqual([e2])
    expect(entry3.subtrees.find((s) => s.name === 'a')!.parents).toEqual([e1])
    expect(JSON.parse(entry3.tree.metadata!)).toEqual({ settings_tips: [db.id] })

    const ts = await db.newTransaction()
    await (await ts.getSettingsStore()).set('color', 'red')
    const es = await ts.commit()
    const t4 = await db.newTransaction()
    const e4 = await t4.commit()
    expect(JSON.parse((await db.getEntry(e4)).tree.metadata!)).toEqual({ settings_tips: [es] })
    // A transaction at older parents names the settings tips it saw.
    const old = await db.newTransactionAt([e3])
    const e5 = await old.commit()
    expect(JSON.parse((await db.getEntry(e5)).tree.metadata!)).toEqual({ settings_tips: [db.id] })
  })

  it('reading settings does not make a settings change', async () => {
    const { db } = await setup()
    const txn = await db.newTransaction()
    const settings = await txn.getSettingsStore()
    expect(await settings.getName()).toBe('test')
    const id = await txn.commit()
    expect((await db.getEntry(id)).subtrees).toEqual([])
  })

  it('a failed commit stores nothing and leaves the transaction open', async () => {
    const { db, engine } = await setup()
    const before = (await engine.backend.treeEntryIds(db.id)).length
    const txn = await db.newTransaction()
    await (await txn.getSettingsStore()).set('auth', 'broken')
    await expectCode(txn.commit(), 'INVALID_SETTINGS')
    expect((await engine.backend.treeEntryIds(db.id)).length).toBe(before)
    expect(await db.getTips()).toEqual([db.id])
    await (await txn.getSettingsStore()).set('auth', { admin: (await (await db.getSettings()).getKey('admin')) as never })
    await txn.commit()
  })
})

describe('write hooks', () => {
  it('runs local listeners once per entry, per database first, and unsubscribes', async () => {
    const { db, engine } = await setup()
    const order: string[] = []
    const perDb = vi.fn(() => void order.push('db'))
    const global = vi.fn(() => void order.push('global'))
    const unsubGlobal = engine.hooks.on('local', global)
    const unsubDb = db.onLocalWrite(perDb)
    const id = await (await db.newTransaction()).commit()
    expect(perDb).toHaveBeenCalledTimes(1)
    expect(perDb).toHaveBeenCalledWith({ entryId: id, databaseId: db.id })
    expect(global).toHaveBeenCalledTimes(1)
    expect(order).toEqual(['db', 'global'])
    unsubDb()
    unsubGlobal()
    await (await db.newTransaction()).commit()
    expect(perDb).toHaveBeenCalledTimes(1)
    expect(global).toHaveBeenCalledTimes(1)
  })

  it('a throwing listener does not fail the commit; errors go to onError', async () => {
    const errors: unknown[] = []
    const engine = new Engine(new MemoryBackend(), { onError: (e) => void errors.push(e) })
    const db = await Database.create(engine, { name: 'x' }, { key: await keyFromSeed(1), sigKey: 'admin' })
    db.onLocalWrite(() => {
      throw new Error('boom')
    })
    db.onLocalWrite(async () => {
      throw new Error('async boom')
    })
    const after = vi.fn()
    db.onLocalWrite(after)
    const id = await (await db.newTransaction()).commit()
    expect(await db.getTips()).toEqual([id])
    expect(errors).toHaveLength(2)
    expect(after).toHaveBeenCalledTimes(1)
  })

  it('the same change at the same tips by the same key is one entry, told once', async () => {
    const { db } = await setup()
    const cb = vi.fn()
    db.onLocalWrite(cb)
    const a = await db.newTransaction()
    const b = await db.newTransaction()
    await (await a.getStore('s', DocStore)).set('k', 1)
    await (await b.getStore('s', DocStore)).set('k', 1)
    const idA = await a.commit()
    const idB = await b.commit()
    expect(idB).toBe(idA)
    expect(await db.getTips()).toEqual([idA])
    expect(cb).toHaveBeenCalledTimes(1)
  })

  it('listeners of other databases are not called', async () => {
    const { db, engine, signer } = await setup()
    const other = await Database.create(engine, { name: 'other' }, signer)
    const cb = vi.fn()
    other.onLocalWrite(cb)
    await (await db.newTransaction()).commit()
    expect(cb).not.toHaveBeenCalled()
  })
})
