/**
 * API.md §@engram/database, sentence by sentence, written the way a user of
 * the package would check it (public entry points only). Behaviour already
 * pinned elsewhere in this folder is not repeated here except where API.md
 * words it differently.
 */
import { MemoryBackend } from '@engram/backend-memory'
import { ed25519, formatPublicKey, type SigningKey } from '@engram/crypto'
import {
  Database,
  Doc,
  DocStore,
  Engine,
  EngramError,
  Permission,
  SettingsStore,
  Table,
  type AuthKey,
  type JsonValue,
  type Signer,
} from '@engram/database'
import { describe, expect, it, vi } from 'vitest'

type Task = { title: string; done: boolean }

const ID = /^sha256:[0-9a-f]{64}$/
const PUBLIC_KEY = /^ed25519:[A-Za-z0-9+/]{43}=$/

async function key(n: number): Promise<SigningKey> {
  return ed25519.importSigningKey(new Uint8Array(32).fill(n))
}

async function fresh(settings: { [k: string]: JsonValue } = { name: 'contract' }) {
  const backend = new MemoryBackend()
  const engine = new Engine(backend)
  const admin = await key(1)
  const signer: Signer = { key: admin, sigKey: 'admin' }
  const db = await Database.create(engine, settings, signer)
  return { backend, engine, admin, signer, db }
}

async function codeOf(p: Promise<unknown> | (() => Promise<unknown>)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    expect(err).toBeInstanceOf(EngramError)
    return (err as EngramError).code
  }
  return 'resolved'
}

/** Every stored entry id, whatever its status. */
async function storedIds(backend: MemoryBackend): Promise<string[]> {
  const all = await Promise.all((['verified', 'unverified', 'failed'] as const).map((s) => backend.idsByStatus(s)))
  return all.flat().sort()
}

async function put(db: Database, store: string, k: string, v: JsonValue): Promise<string> {
  const txn = await db.newTransaction()
  await (await txn.getStore(store, DocStore)).set(k, v)
  return txn.commit()
}

describe('Database', () => {
  it('creation without auth, or with an empty auth, makes the creating key Admin(0)', async () => {
    const cases: { [k: string]: JsonValue }[] = [{ name: 'no auth' }, { name: 'empty auth', auth: {} }]
    for (const settings of cases) {
      const { db, admin } = await fresh(settings)
      await expect((await db.getSettings()).getKey('admin')).resolves.toEqual({
        pubkey: formatPublicKey(admin.publicKey),
        permission: Permission.admin(0),
        status: 'active',
      })
      await put(db, 's', 'k', 1)
    }
  })

  it('id is the root entry id; getTips() is [id] right after creation; name() reads settings.name', async () => {
    const { db } = await fresh()
    expect(db.id).toMatch(ID)
    expect(await db.getTips()).toEqual([db.id])
    expect(await db.name()).toBe('contract')
    const [root] = await db.getAllEntries()
    expect(root!.id).toBe(db.id)
  })

  it('getAllEntries() lists every entry of the database, the root first, and only this database', async () => {
    const { db, engine, signer } = await fresh()
    const a = await put(db, 's', 'k', 1)
    const b = await put(db, 's', 'k', 2)
    const other = await Database.create(engine, { name: 'other' }, signer)
    await put(other, 's', 'k', 3)
    const all = await db.getAllEntries()
    expect(all.map((e) => e.id)).toEqual([db.id, a, b])
    for (const { id, entry } of all) {
      expect(id).toMatch(ID)
      expect(entry.tree.root === '' ? id : entry.tree.root).toBe(db.id)
    }
  })

  it('newTransactionAt(tips): an unknown tip or a tip of another database → a typed error, nothing stored', async () => {
    const { db, engine, signer, backend } = await fresh()
    const other = await Database.create(engine, { name: 'other' }, signer)
    const foreign = await put(other, 's', 'k', 1)
    const before = await storedIds(backend)
    expect(await codeOf(db.newTransactionAt(['sha256:' + '0'.repeat(64)]))).toBe('INVALID_TIP')
    expect(await codeOf(db.newTransactionAt([foreign]))).toBe('INVALID_TIP')
    expect(await codeOf(db.newTransactionAt([other.id]))).toBe('INVALID_TIP')
    expect(await codeOf(db.newTransactionAt([db.id, foreign]))).toBe('INVALID_TIP')
    expect(await storedIds(backend)).toEqual(before)
  })

  it('getStore(name, StoreClass) is a snapshot: it does not see later commits; a new view does', async () => {
    const { db } = await fresh()
    await put(db, 'doc', 'k', 'one')
    const view = await db.getStore('doc', DocStore)
    await put(db, 'doc', 'k', 'two')
    await put(db, 'doc', 'added', true)
    expect(await view.get('k')).toBe('one')
    expect(await view.toJSON()).toEqual({ k: 'one' })
    expect(await (await db.getStore('doc', DocStore)).toJSON()).toEqual({ k: 'two', added: true })
  })

  it('a view stays a snapshot whatever moves the state on: a transaction that read it, received entries, a merge', async () => {
    const { db } = await fresh()
    await put(db, 'doc', 'k', 0)
    // a transaction reads (and so borrows) the current state, then a view is taken, then the transaction commits
    const txn = await db.newTransaction()
    const inTxn = await txn.getStore('doc', DocStore)
    expect(await inTxn.get('k')).toBe(0)
    const view1 = await db.getStore('doc', DocStore)
    await inTxn.set('k', 1)
    await txn.commit()
    // a view taken first, then a transaction reads and commits on top of it
    const view2 = await db.getStore('doc', DocStore)
    const t2 = await db.newTransaction()
    const s2 = await t2.getStore('doc', DocStore)
    expect(await s2.get('k')).toBe(1)
    await s2.set('k', 2)
    await s2.setPath('nested.leaf', 'x')
    await t2.commit()
    // entries made elsewhere and received
    const view3 = await db.getStore('doc', DocStore)
    const replica = new Engine(new MemoryBackend())
    await replica.receiveEntries(await db.getAllEntries())
    const there = (await Database.open(replica, db.id)).withSigner({ key: await key(1), sigKey: 'admin' })
    const tips = await there.getTips()
    const remote = await put(there, 'doc', 'k', 3)
    const branch = await db.newTransactionAt(tips)
    await (await branch.getStore('doc', DocStore)).set('other', true)
    await branch.commit()
    const view4 = await db.getStore('doc', DocStore)
    await db.engine.receiveEntries((await there.getAllEntries()).filter((e) => e.id === remote))
    expect(await db.getTips()).toHaveLength(2)

    expect(await view1.toJSON()).toEqual({ k: 0 })
    expect(await view2.toJSON()).toEqual({ k: 1 })
    expect(await view3.toJSON()).toEqual({ k: 2, nested: { leaf: 'x' } })
    expect(await view4.toJSON()).toEqual({ k: 2, nested: { leaf: 'x' }, other: true })
    expect(await (await db.getStore('doc', DocStore)).toJSON()).toEqual({ k: 3, nested: { leaf: 'x' }, other: true })
  })

  it('getSettings() is a read-only SettingsStore and a snapshot too', async () => {
    const { db } = await fresh()
    const view = await db.getSettings()
    expect(view).toBeInstanceOf(SettingsStore)
    const txn = await db.newTransaction()
    const s = await txn.getSettingsStore()
    await s.setName('renamed')
    await s.set('colour', 'blue')
    await txn.commit()
    expect(await view.getName()).toBe('contract')
    expect(await view.get('colour')).toBeUndefined()
    expect(await codeOf(view.set('colour', 'red'))).toBe('READ_ONLY')
    expect(await (await db.getSettings()).getName()).toBe('renamed')
    expect(await db.name()).toBe('renamed')
  })

  it('onLocalWrite(cb): cb({ entryId, databaseId }) once per commit; the returned function unsubscribes', async () => {
    const { db } = await fresh()
    const cb = vi.fn()
    const unsubscribe = db.onLocalWrite(cb)
    const a = await put(db, 's', 'k', 1)
    const b = await put(db, 's', 'k', 2)
    expect(cb.mock.calls).toEqual([[{ entryId: a, databaseId: db.id }], [{ entryId: b, databaseId: db.id }]])
    unsubscribe()
    await put(db, 's', 'k', 3)
    expect(cb).toHaveBeenCalledTimes(2)
  })

  it('onRemoteWrite(cb): once per received entry, after it is stored and verified; unsubscribe stops it', async () => {
    const { db } = await fresh()
    const ids = [await put(db, 's', 'k', 1), await put(db, 's', 'k', 2)]
    const entries = await db.getAllEntries()

    const replicaBackend = new MemoryBackend()
    const replica = new Engine(replicaBackend)
    await replica.receiveEntries(entries.slice(0, 1)) // the root first, so the handle can be opened
    const copy = await Database.open(replica, db.id)
    const seen: { entryId: string; databaseId: string }[] = []
    const statuses: string[] = []
    const visible: boolean[] = []
    const unsubscribe = copy.onRemoteWrite(async (e) => {
      seen.push(e)
      statuses.push(await replicaBackend.getStatus(e.entryId))
      visible.push((await copy.getAllEntries()).some((x) => x.id === e.entryId))
    })
    // Children before parents, and everything twice: still once per entry.
    await replica.receiveEntries([...entries].reverse())
    await replica.receiveEntries(entries)
    expect(seen).toEqual(ids.map((entryId) => ({ entryId, databaseId: db.id })))
    expect(statuses).toEqual(['verified', 'verified'])
    expect(visible).toEqual([true, true])
    expect(await (await copy.getStore('s', DocStore)).get('k')).toBe(2)

    unsubscribe()
    const late = await put(db, 's', 'k', 3)
    await replica.receiveEntries(await db.getAllEntries())
    expect(seen.map((e) => e.entryId)).not.toContain(late)
  })
})

describe('Transaction', () => {
  it('commit() → the new entry id; an empty transaction still commits an entry', async () => {
    const { db } = await fresh()
    const id = await (await db.newTransaction()).commit()
    expect(id).toMatch(ID)
    expect(await db.getTips()).toEqual([id])
    expect((await db.getAllEntries()).map((e) => e.id)).toEqual([db.id, id])
  })

  it('reads inside a transaction see its own staged changes (stores and settings)', async () => {
    const { db } = await fresh()
    const txn = await db.newTransaction()
    const doc = await txn.getStore('doc', DocStore)
    await doc.set('a', 1)
    await doc.setPath('b.c', 2)
    expect(await doc.get('a')).toBe(1)
    expect(await doc.getPath('b.c')).toBe(2)
    expect(await doc.toJSON()).toEqual({ a: 1, b: { c: 2 } })
    expect(await (await txn.getStore('doc', DocStore)).get('a')).toBe(1) // same store again
    const settings = await txn.getSettingsStore()
    await settings.setName('staged')
    expect(await settings.getName()).toBe('staged')
    expect(await (await db.getStore('doc', DocStore)).get('a')).toBeUndefined()
  })

  it('a second commit() → TXN_CLOSED', async () => {
    const { db } = await fresh()
    const txn = await db.newTransaction()
    await txn.commit()
    expect(await codeOf(txn.commit())).toBe('TXN_CLOSED')
  })

  it('a signer without the needed permission → UNAUTHORIZED, and nothing is stored', async () => {
    const { db, backend } = await fresh()
    const writer = await key(2)
    const reader = await key(3)
    const t = await db.newTransaction()
    const s = await t.getSettingsStore()
    await s.addKey('writer', { pubkey: formatPublicKey(writer.publicKey), permission: Permission.write(5) })
    await s.addKey('reader', { pubkey: formatPublicKey(reader.publicKey), permission: Permission.read() })
    await t.commit()
    const before = await storedIds(backend)

    const asReader = db.withSigner({ key: reader, sigKey: 'reader' })
    const t1 = await asReader.newTransaction()
    await (await t1.getStore('tasks', Table<Task>)).insert({ title: 'x', done: false })
    expect(await codeOf(t1.commit())).toBe('UNAUTHORIZED')

    const asWriter = db.withSigner({ key: writer, sigKey: 'writer' })
    const t2 = await asWriter.newTransaction()
    await (await t2.getSettingsStore()).setName('hijacked')
    expect(await codeOf(t2.commit())).toBe('UNAUTHORIZED')

    // a key that signs under a name that is not its own
    const t3 = await db.withSigner({ key: reader, sigKey: 'admin' }).newTransaction()
    await (await t3.getStore('tasks', Table<Task>)).insert({ title: 'y', done: false })
    expect(await codeOf(t3.commit())).toBe('UNAUTHORIZED')

    expect(await storedIds(backend)).toEqual(before)
    expect(await db.name()).toBe('contract')
  })

  it('a revoked key → UNAUTHORIZED, and nothing is stored', async () => {
    const { db, backend } = await fresh()
    const writer = await key(2)
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).addKey('writer', { pubkey: formatPublicKey(writer.publicKey), permission: Permission.write(1) })
    await t.commit()
    const t2 = await db.newTransaction()
    await (await t2.getSettingsStore()).revokeKey('writer')
    await t2.commit()
    const before = await storedIds(backend)
    const txn = await db.withSigner({ key: writer, sigKey: 'writer' }).newTransaction()
    await (await txn.getStore('doc', DocStore)).set('k', 1)
    expect(await codeOf(txn.commit())).toBe('UNAUTHORIZED')
    expect(await storedIds(backend)).toEqual(before)
  })

  it('a priority violation → UNAUTHORIZED, and nothing is stored', async () => {
    const { db, backend } = await fresh()
    const junior = await key(2)
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).addKey('junior', { pubkey: formatPublicKey(junior.publicKey), permission: Permission.admin(10) })
    await t.commit()
    const before = await storedIds(backend)
    const asJunior = db.withSigner({ key: junior, sigKey: 'junior' })
    for (const change of [
      (s: SettingsStore) => s.revokeKey('admin'),
      (s: SettingsStore) => s.setKey('admin', { pubkey: formatPublicKey(junior.publicKey), permission: Permission.admin(10), status: 'active' }),
      (s: SettingsStore) => s.addKey('stronger', { pubkey: formatPublicKey(junior.publicKey), permission: Permission.admin(9) }),
    ]) {
      const txn = await asJunior.newTransaction()
      await change(await txn.getSettingsStore())
      expect(await codeOf(txn.commit())).toBe('UNAUTHORIZED')
    }
    expect(await storedIds(backend)).toEqual(before)
  })

  it('a store name already registered with another type → TYPE_MISMATCH (transaction and view)', async () => {
    const { db } = await fresh()
    const t = await db.newTransaction()
    await (await t.getStore('things', Table<Task>)).insert({ title: 'a', done: false })
    await t.commit()
    const t2 = await db.newTransaction()
    expect(await codeOf(t2.getStore('things', DocStore))).toBe('TYPE_MISMATCH')
    expect(await codeOf(db.getStore('things', DocStore))).toBe('TYPE_MISMATCH')
    // within one transaction too, before anything is committed
    const t3 = await db.newTransaction()
    await t3.getStore('fresh', DocStore)
    expect(await codeOf(t3.getStore('fresh', Table<Task>))).toBe('TYPE_MISMATCH')
  })
})

describe('DocStore', () => {
  it('get, set, delete, getPath, setPath, getAll, toJSON (a plain nested object)', async () => {
    const { db } = await fresh()
    const txn = await db.newTransaction()
    const s = await txn.getStore('doc', DocStore)
    await s.set('n', null)
    await s.set('b', false)
    await s.set('x', 1.5)
    await s.set('str', 'é🙂')
    await s.set('arr', [1, 'two', { three: [3] }])
    await s.setPath('a.b.c', 'leaf')
    await s.set('gone', 1)
    await s.delete('gone')
    await txn.commit()
    const view = await db.getStore('doc', DocStore)
    const expected = { n: null, b: false, x: 1.5, str: 'é🙂', arr: [1, 'two', { three: [3] }], a: { b: { c: 'leaf' } } }
    expect(await view.toJSON()).toEqual(expected)
    expect(await view.getAll()).toEqual(expected)
    expect(await view.get('a')).toEqual({ b: { c: 'leaf' } })
    expect(await view.getPath('a.b.c')).toBe('leaf')
    expect(await view.getPath('a.missing.c')).toBeUndefined()
    expect(await view.get('gone')).toBeUndefined()
    expect(Object.getPrototypeOf(await view.toJSON())).toBe(Object.prototype)
    expect(Array.isArray(await view.get('arr'))).toBe(true)
  })

  it('reads return plain values: changing what a read returned does not change the store', async () => {
    const { db } = await fresh()
    await put(db, 'doc', 'o', { list: [1, 2], inner: { v: 1 } })
    const view = await db.getStore('doc', DocStore)
    const got = (await view.get('o')) as { list: number[]; inner: { v: number } }
    got.list.push(3)
    got.inner.v = 99
    const all = (await view.toJSON()) as { o: { inner: { v: number } } }
    all.o.inner.v = 42
    expect(await view.get('o')).toEqual({ list: [1, 2], inner: { v: 1 } })
    expect(await (await db.getStore('doc', DocStore)).get('o')).toEqual({ list: [1, 2], inner: { v: 1 } })
  })

  it('values must be null, boolean, finite number, string, arrays and plain objects: others → INVALID_VALUE', async () => {
    const { db } = await fresh()
    const txn = await db.newTransaction()
    const s = await txn.getStore('doc', DocStore)
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY, 1n, undefined, () => 1, Symbol('s'), new Date(0), new Map(), { nested: [Number.NaN] }])
      expect(await codeOf(s.set('k', bad as never))).toBe('INVALID_VALUE')
    expect(await codeOf(s.setPath('a.b', Number.POSITIVE_INFINITY))).toBe('INVALID_VALUE')
    expect(await s.toJSON()).toEqual({})
  })

  it('set replaces what was at the key: an object or array given to set is not merged into the old one', async () => {
    const { db } = await fresh()
    await put(db, 'doc', 'o', { a: 1, b: { c: 2 } })
    await put(db, 'doc', 'arr', [1, 2, 3])
    await put(db, 'doc', 'o', { b: { d: 3 } })
    await put(db, 'doc', 'arr', [9])
    const view = await db.getStore('doc', DocStore)
    expect(await view.get('o')).toEqual({ b: { d: 3 } })
    expect(await view.get('arr')).toEqual([9])
  })

  it('setPath changes one leaf, creating objects on the way; a scalar on the way is replaced', async () => {
    const { db } = await fresh()
    await put(db, 'doc', 'o', { a: 1, b: 2 })
    await put(db, 'doc', 's', 'scalar')
    const txn = await db.newTransaction()
    const s = await txn.getStore('doc', DocStore)
    await s.setPath('o.c', 3)
    await s.setPath('new.deep.leaf', true)
    await s.setPath('s.inner', 'now an object')
    await txn.commit()
    const view = await db.getStore('doc', DocStore)
    expect(await view.get('o')).toEqual({ a: 1, b: 2, c: 3 })
    expect(await view.get('new')).toEqual({ deep: { leaf: true } })
    expect(await view.get('s')).toEqual({ inner: 'now an object' })
  })

  it('concurrent setPaths to different leaves of one object both survive', async () => {
    const { db } = await fresh()
    const base = await put(db, 'doc', 'profile', { name: 'Ada' })
    const left = await db.newTransactionAt([base])
    await (await left.getStore('doc', DocStore)).setPath('profile.city', 'London')
    await left.commit()
    const right = await db.newTransactionAt([base])
    await (await right.getStore('doc', DocStore)).setPath('profile.lang', 'en')
    await right.commit()
    expect(await db.getTips()).toHaveLength(2)
    expect(await (await db.getStore('doc', DocStore)).get('profile')).toEqual({ name: 'Ada', city: 'London', lang: 'en' })
  })

  it('delete leaves a tombstone: merging a concurrent branch that kept the value does not bring it back; a later write revives the key', async () => {
    const { db } = await fresh()
    const base = await put(db, 'doc', 'k', 'v1')
    const t = await db.newTransactionAt([base])
    await (await t.getStore('doc', DocStore)).delete('k')
    const deleted = await t.commit()
    const other = await db.newTransactionAt([base])
    await (await other.getStore('doc', DocStore)).set('unrelated', 1)
    const kept = await other.commit()
    expect(await db.getTips()).toEqual([deleted, kept].sort())
    expect(await (await db.getStore('doc', DocStore)).toJSON()).toEqual({ unrelated: 1 })
    // a later write revives it
    const t2 = await db.newTransaction()
    await (await t2.getStore('doc', DocStore)).set('k', 'v2')
    await t2.commit()
    expect(await (await db.getStore('doc', DocStore)).get('k')).toBe('v2')
    expect(await (await db.getStore('doc', DocStore)).toJSON()).toEqual({ unrelated: 1, k: 'v2' })
  })

  it('concurrent writes to one key: the write later in the DAG order wins, the same on every replica', async () => {
    const { db } = await fresh()
    const base = await put(db, 'doc', 'k', 'base')
    const branch = async (value: string) => {
      const t = await db.newTransactionAt([base])
      await (await t.getStore('doc', DocStore)).set('k', value)
      return t.commit()
    }
    const a = await branch('a')
    const b = await branch('b')
    const winner = a > b ? 'a' : 'b' // equal height: the larger id is later
    expect(await (await db.getStore('doc', DocStore)).get('k')).toBe(winner)
    const replica = new Engine(new MemoryBackend())
    await replica.receiveEntries([...(await db.getAllEntries())].reverse())
    expect(await (await (await Database.open(replica, db.id)).getStore('doc', DocStore)).get('k')).toBe(winner)
  })
})

describe('Table<T>', () => {
  it('insert(row) → uuid v4; get(id); set(id, row) replaces the row', async () => {
    const { db } = await fresh()
    const txn = await db.newTransaction()
    const tasks = await txn.getStore('tasks', Table<Task & { tags?: string[] }>)
    const id = await tasks.insert({ title: 'a', done: false, tags: ['x'] })
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    await txn.commit()
    const t2 = await db.newTransaction()
    await (await t2.getStore('tasks', Table<Task>)).set(id, { title: 'b', done: true })
    await t2.commit()
    const view = await db.getStore('tasks', Table<Task>)
    expect(await view.get(id)).toEqual({ title: 'b', done: true })
    expect(await view.get('00000000-0000-4000-8000-000000000000')).toBeUndefined()
  })

  it('delete(id) of an unknown id is a no-op: no error, the table and its other rows unchanged', async () => {
    const { db } = await fresh()
    const txn = await db.newTransaction()
    const id = await (await txn.getStore('tasks', Table<Task>)).insert({ title: 'keep', done: false })
    await txn.commit()
    const t2 = await db.newTransaction()
    const tasks = await t2.getStore('tasks', Table<Task>)
    await tasks.delete('no-such-id')
    await tasks.delete('00000000-0000-4000-8000-000000000000')
    expect(await tasks.entries()).toEqual([[id, { title: 'keep', done: false }]])
    const entryId = await t2.commit()
    expect(await (await db.getStore('tasks', Table<Task>)).entries()).toEqual([[id, { title: 'keep', done: false }]])
    expect(await (await db.getStore('tasks', Table<Task>)).get('no-such-id')).toBeUndefined()
    // the entry carries no data for the table
    const entry = (await db.getAllEntries()).find((e) => e.id === entryId)!.entry
    expect(entry.subtrees.find((s) => s.name === 'tasks')?.data).toBeUndefined()
  })

  it('delete(id) removes a row; search(pred) → [id, row][]; entries() lists every [id, row]', async () => {
    const { db } = await fresh()
    const txn = await db.newTransaction()
    const tasks = await txn.getStore('tasks', Table<Task>)
    const a = await tasks.insert({ title: 'a', done: true })
    const b = await tasks.insert({ title: 'b', done: false })
    const c = await tasks.insert({ title: 'c', done: true })
    await txn.commit()
    const t2 = await db.newTransaction()
    await (await t2.getStore('tasks', Table<Task>)).delete(c)
    await t2.commit()
    const view = await db.getStore('tasks', Table<Task>)
    expect(await view.get(c)).toBeUndefined()
    const byId = (x: [string, Task], y: [string, Task]) => (x[0] < y[0] ? -1 : 1)
    expect((await view.entries()).sort(byId)).toEqual(
      ([[a, { title: 'a', done: true }], [b, { title: 'b', done: false }]] as [string, Task][]).sort(byId),
    )
    const done = await view.search((row) => row.done)
    expect(done).toEqual([[a, { title: 'a', done: true }]])
    expect(await view.search(() => false)).toEqual([])
  })
})

describe('SettingsStore', () => {
  it('getName(), setName(), get(key), set(key, value)', async () => {
    const { db } = await fresh()
    const txn = await db.newTransaction()
    const s = await txn.getSettingsStore()
    expect(await s.getName()).toBe('contract')
    await s.setName('new name')
    await s.set('limits', { max: 3 })
    await txn.commit()
    const view = await db.getSettings()
    expect(await view.getName()).toBe('new name')
    expect(await view.get('limits')).toEqual({ max: 3 })
    expect(await view.get('absent')).toBeUndefined()
  })

  it('addKey / setKey / revokeKey / getKey / listKeys with AuthKey = { pubkey, permission, status }', async () => {
    const { db, admin } = await fresh()
    const k2 = formatPublicKey((await key(2)).publicKey)
    const k3 = formatPublicKey((await key(3)).publicKey)
    const txn = await db.newTransaction()
    const s = await txn.getSettingsStore()
    await s.addKey('two', { pubkey: k2, permission: Permission.write(4) })
    expect(await codeOf(s.addKey('two', { pubkey: k3, permission: Permission.read() }))).toBe('KEY_EXISTS')
    expect(await codeOf(s.addKey('admin', { pubkey: k3, permission: Permission.read() }))).toBe('KEY_EXISTS')
    await s.addKey('three', { pubkey: k3, permission: Permission.read(), status: 'revoked' })
    await s.setKey('three', { pubkey: k3, permission: Permission.write(7), status: 'active' })
    expect(await codeOf(s.revokeKey('nobody'))).toBe('KEY_NOT_FOUND')
    await s.revokeKey('two')
    await txn.commit()

    const view = await db.getSettings()
    expect(await view.getKey('nobody')).toBeUndefined()
    expect(await view.getKey('two')).toEqual({ pubkey: k2, permission: Permission.write(4), status: 'revoked' })
    const keys = await view.listKeys()
    const expected: [string, AuthKey][] = [
      ['admin', { pubkey: formatPublicKey(admin.publicKey), permission: Permission.admin(0), status: 'active' }],
      ['three', { pubkey: k3, permission: Permission.write(7), status: 'active' }],
      ['two', { pubkey: k2, permission: Permission.write(4), status: 'revoked' }],
    ]
    expect([...keys].sort((a, b) => (a[0] < b[0] ? -1 : 1))).toEqual(expected)
    for (const [, k] of keys) expect(k.pubkey).toMatch(PUBLIC_KEY)
  })

  it("the wildcard addKey('*', { pubkey: '*', permission }): any key may sign under it", async () => {
    const { db } = await fresh()
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).addKey('*', { pubkey: '*', permission: Permission.write(10) })
    await t.commit()
    for (const n of [7, 8]) {
      const anyone = db.withSigner({ key: await key(n), sigKey: '*' })
      const txn = await anyone.newTransaction()
      await (await txn.getStore('guestbook', Table<{ by: number }>)).insert({ by: n })
      await txn.commit()
    }
    expect(await (await db.getStore('guestbook', Table<{ by: number }>)).search(() => true)).toHaveLength(2)
    // Write through * does not reach the settings
    const txn = await db.withSigner({ key: await key(9), sigKey: '*' }).newTransaction()
    await (await txn.getSettingsStore()).setName('defaced')
    expect(await codeOf(txn.commit())).toBe('UNAUTHORIZED')
  })
})

describe('Permission', () => {
  it('plain data values, equal when they mean the same', () => {
    expect(Permission.admin(3)).toEqual(Permission.admin(3))
    expect(Permission.write(0)).toEqual(Permission.write(0))
    expect(Permission.read()).toEqual(Permission.read())
    expect(Permission.admin(3)).not.toEqual(Permission.admin(4))
    expect(Permission.admin(3)).not.toEqual(Permission.write(3))
    expect(JSON.parse(JSON.stringify(Permission.write(2)))).toEqual(Permission.write(2))
    expect(Permission.equals(Permission.admin(1), Permission.admin(1))).toBe(true)
  })

  it('p is an unsigned 32-bit integer', () => {
    expect(Permission.admin(0xffffffff)).toEqual({ kind: 'admin', priority: 0xffffffff })
    for (const bad of [-1, 0x100000000, 1.5, Number.NaN]) {
      expect(() => Permission.admin(bad)).toThrow()
      expect(() => Permission.write(bad)).toThrow()
    }
  })

  it('Admin outranks Write outranks Read whatever the numbers; the lower the stronger within a kind', async () => {
    // Seen through what keys may do: Admin(1000) may add a Write(0) key (no stronger than itself)…
    const { db } = await fresh()
    const weakAdmin = await key(2)
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).addKey('weak', { pubkey: formatPublicKey(weakAdmin.publicKey), permission: Permission.admin(1000) })
    await t.commit()
    const asWeak = db.withSigner({ key: weakAdmin, sigKey: 'weak' })
    const t2 = await asWeak.newTransaction()
    await (await t2.getSettingsStore()).addKey('w0', { pubkey: formatPublicKey((await key(3)).publicKey), permission: Permission.write(0) })
    await t2.commit()
    // …and an Admin(1000) equal to itself, but not an Admin(999)
    const t3 = await asWeak.newTransaction()
    await (await t3.getSettingsStore()).addKey('a1000', { pubkey: formatPublicKey((await key(4)).publicKey), permission: Permission.admin(1000) })
    await t3.commit()
    const t4 = await asWeak.newTransaction()
    await (await t4.getSettingsStore()).addKey('a999', { pubkey: formatPublicKey((await key(5)).publicKey), permission: Permission.admin(999) })
    expect(await codeOf(t4.commit())).toBe('UNAUTHORIZED')
    // Write(0) cannot touch settings at all; Read cannot write data
    const t5 = await db.withSigner({ key: await key(3), sigKey: 'w0' }).newTransaction()
    await (await t5.getSettingsStore()).set('x', 1)
    expect(await codeOf(t5.commit())).toBe('UNAUTHORIZED')
    expect(Permission.compare(Permission.admin(0xffffffff), Permission.write(0))).toBeGreaterThan(0)
    expect(Permission.compare(Permission.write(0xffffffff), Permission.read())).toBeGreaterThan(0)
    expect(Permission.compare(Permission.write(1), Permission.write(2))).toBeGreaterThan(0)
  })
})

describe('Doc', () => {
  it('new Doc(), get, set, delete', () => {
    const d = new Doc()
    expect(d.get('k')).toBeUndefined()
    d.set('k', { a: [1] })
    expect(d.get('k')).toEqual({ a: [1] })
    d.delete('k')
    expect(d.get('k')).toBeUndefined()
  })

  it('a.merge(b) → a new Doc: b laid over a, tombstones of b win, nested objects merge key by key', () => {
    const a = new Doc().set('x', 1).set('y', 2).setPath('o.p', 1)
    const b = new Doc().set('x', 10).delete('y').setPath('o.q', 2)
    const m = a.merge(b)
    expect(m).toBeInstanceOf(Doc)
    expect(m).not.toBe(a)
    expect(m.toJSON()).toEqual({ x: 10, o: { p: 1, q: 2 } })
    expect(a.toJSON()).toEqual({ x: 1, y: 2, o: { p: 1 } })
    expect(b.toJSON()).toEqual({ x: 10, o: { q: 2 } })
  })

  it('merge is associative and idempotent', () => {
    const a = new Doc().set('k', 1).setPath('o.a', 1)
    const b = new Doc().set('k', 2).delete('z').setPath('o.b', 2)
    const c = new Doc().set('z', 3).set('o', { c: 3 })
    expect(a.merge(b).merge(c).toJSON()).toEqual(a.merge(b.merge(c)).toJSON())
    expect(a.merge(b).merge(c).encode()).toBe(a.merge(b.merge(c)).encode())
    expect(a.merge(a).encode()).toBe(a.encode())
    expect(a.merge(b).merge(b).encode()).toBe(a.merge(b).encode())
  })
})

describe('ids and keys', () => {
  it('entry ids are sha256: + 64 lowercase hex; public keys ed25519:<base64>', async () => {
    const { db, admin } = await fresh()
    const id = await put(db, 's', 'k', 1)
    for (const e of await db.getAllEntries()) expect(e.id).toMatch(ID)
    expect(id).toMatch(ID)
    expect(formatPublicKey(admin.publicKey)).toMatch(PUBLIC_KEY)
    expect((await (await db.getSettings()).getKey('admin'))!.pubkey).toMatch(PUBLIC_KEY)
  })
})
