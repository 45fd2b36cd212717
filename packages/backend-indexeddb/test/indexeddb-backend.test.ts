import { makeEntry, makeRoot } from '@engram/backend-api/conformance'
import { afterEach, describe, expect, it } from 'vitest'
import type { ChangedEntry } from '@engram/backend-api'
import { IndexedDbBackend } from '../src/index.js'
import { openDatabase } from '../src/open.js'
import { SCHEMA_VERSION } from '../src/schema.js'
import { deleteDatabase, eventually, rawOpen, rawTx, uniqueName } from './helpers.js'

const opened: IndexedDbBackend[] = []
const names: string[] = []

async function open(name = uniqueName()): Promise<IndexedDbBackend> {
  const b = await IndexedDbBackend.open(name)
  opened.push(b)
  if (!names.includes(name)) names.push(name)
  return b
}

afterEach(async () => {
  for (const b of opened.splice(0)) await b.close()
  for (const n of names.splice(0)) await deleteDatabase(n)
})

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

describe('durability', () => {
  it('entries with their statuses, local keys and metadata survive close and reopen', async () => {
    const name = uniqueName()
    const a = await open(name)
    const root = makeRoot('durable')
    const child = makeEntry(root.id, [root.id], { s: { data: 'x' } })
    await a.put(root.id, root.entry, 'verified')
    await a.put(child.id, child.entry, 'unverified')
    await a.putLocalKey('_device_key', new Uint8Array([1, 2, 3]))
    await a.setMetadata('format', '1')
    await a.close()

    const b = await open(name)
    expect(await b.get(child.id)).toEqual(child.entry)
    expect(await b.getStatus(root.id)).toBe('verified')
    expect(await b.getStatus(child.id)).toBe('unverified')
    expect(await b.getTips(root.id)).toEqual([root.id])
    expect(await b.getLocalKey('_device_key')).toEqual(new Uint8Array([1, 2, 3]))
    expect(await b.listLocalKeys()).toEqual(['_device_key'])
    expect(await b.getMetadata('format')).toBe('1')
  })

  it('a put that was not awaited before close() is stored all the same', async () => {
    const name = uniqueName()
    const a = await open(name)
    const root = makeRoot('late')
    const put = a.put(root.id, root.entry, 'verified')
    await a.close()
    await put
    const b = await open(name)
    expect(await b.has(root.id)).toBe(true)
  })

  it('a status change is durable', async () => {
    const name = uniqueName()
    const a = await open(name)
    const root = makeRoot('status')
    await a.put(root.id, root.entry, 'unverified')
    await a.setStatus(root.id, 'verified')
    await a.close()
    const b = await open(name)
    expect(await b.getStatus(root.id)).toBe('verified')
    expect(await b.getTips(root.id)).toEqual([root.id])
  })

  it('keeps its own copy of a local key and hands out copies', async () => {
    const b = await open()
    const key = new Uint8Array([9, 9, 9])
    await b.putLocalKey('k', key)
    key.fill(0)
    const got = (await b.getLocalKey('k'))!
    expect(got).toEqual(new Uint8Array([9, 9, 9]))
    got.fill(0)
    expect(await b.getLocalKey('k')).toEqual(new Uint8Array([9, 9, 9]))
    await b.deleteLocalKey('k')
    expect(await b.getLocalKey('k')).toBeUndefined()
  })
})

describe('batches', () => {
  it('puts issued together share one IndexedDB transaction', async () => {
    const b = await open()
    const root = makeRoot('batch')
    const kids = [1, 2, 3, 4].map((i) => makeEntry(root.id, [root.id], {}, i))
    const proto = IDBDatabase.prototype
    const original = proto.transaction
    let writes = 0
    proto.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      if (args[1] === 'readwrite') writes++
      return original.apply(this, args)
    } as IDBDatabase['transaction']
    try {
      await Promise.all([root, ...kids].map((f) => b.put(f.id, f.entry, 'verified')))
    } finally {
      proto.transaction = original
    }
    expect(writes).toBe(1)
    expect(await b.getTips(root.id)).toHaveLength(4)
  })

  it('quota exceeded in the middle of a batch: every put of it fails typed, none is stored, the next write works', async () => {
    const name = uniqueName()
    const b = await open(name)
    const root = makeRoot('quota')
    const kids = [1, 2].map((i) => makeEntry(root.id, [root.id], {}, i))
    const proto = IDBObjectStore.prototype
    const original = proto.put
    let calls = 0
    proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (++calls === 3) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
      return original.apply(this, args)
    } as IDBObjectStore['put']
    let results: PromiseSettledResult<void>[]
    try {
      results = await Promise.allSettled([root, ...kids].map((f) => b.put(f.id, f.entry, 'verified')))
    } finally {
      proto.put = original
    }
    for (const r of results) {
      expect(r.status).toBe('rejected')
      expect(((r as PromiseRejectedResult).reason as { code: string }).code).toBe('STORAGE_QUOTA_EXCEEDED')
    }
    expect(await b.has(root.id)).toBe(false)
    await b.close()
    const again = await open(name)
    expect(await again.has(root.id)).toBe(false)
    expect(await again.has(kids[0]!.id)).toBe(false)
    await again.put(root.id, root.entry, 'verified')
    expect(await again.has(root.id)).toBe(true)
  })

  it('an invalid entry is refused before anything is written; a valid one beside it is stored', async () => {
    const b = await open()
    const root = makeRoot('bad')
    const forged = { ...root.entry, tree: { ...root.entry.tree, metadata: 'forged' } }
    const [bad, good] = await Promise.allSettled([b.put(root.id, forged, 'verified'), b.put(root.id, root.entry, 'verified')])
    expect(bad.status).toBe('rejected')
    expect(((bad as PromiseRejectedResult).reason as { code: string }).code).toBe('INVALID_ENTRY')
    expect(good.status).toBe('fulfilled')
    expect(await b.get(root.id)).toEqual(root.entry)
  })
})

describe('schema and damaged databases', () => {
  it('a database of a newer schema is refused with UNSUPPORTED_FORMAT and left untouched', async () => {
    const name = uniqueName()
    names.push(name)
    const raw = await rawOpen(name, 7, (db) => db.createObjectStore('future'))
    raw.close()
    expect(await codeOf(IndexedDbBackend.open(name))).toBe('UNSUPPORTED_FORMAT')
    const after = await rawOpen(name)
    expect(after.version).toBe(7)
    expect([...after.objectStoreNames]).toEqual(['future'])
    after.close()
  })

  it('an IndexedDB database that is not an Engram store is refused with CORRUPT_STORE', async () => {
    const name = uniqueName()
    names.push(name)
    const raw = await rawOpen(name, 1, (db) => db.createObjectStore('something-else'))
    raw.close()
    expect(await codeOf(IndexedDbBackend.open(name))).toBe('CORRUPT_STORE')
    const after = await rawOpen(name) // left as it was: not upgraded
    expect(after.version).toBe(1)
    expect([...after.objectStoreNames]).toEqual(['something-else'])
    after.close()
  })

  it('a version-1 database is upgraded in place: its entries are kept and later changes reach other handles', async () => {
    const name = uniqueName()
    names.push(name)
    const root = makeRoot('v1')
    const child = makeEntry(root.id, [root.id], { s: { data: 'x' } }, 'c')
    const v1 = await rawOpen(name, 1, (db) => {
      db.createObjectStore('entries')
      db.createObjectStore('localKeys')
      db.createObjectStore('metadata')
    })
    await rawTx(v1, 'entries', 'readwrite', (s) => s.put({ entry: root.entry, status: 'verified' }, root.id))
    await rawTx(v1, 'entries', 'readwrite', (s) => s.put({ entry: child.entry, status: 'unverified' }, child.id))
    await rawTx(v1, 'metadata', 'readwrite', (s) => s.put('kept', 'm'))
    v1.close()

    const a = await open(name)
    const b = await open(name)
    expect(await a.getTips(root.id)).toEqual([root.id])
    expect(await a.getStatus(child.id)).toBe('unverified')
    expect(await a.getMetadata('m')).toBe('kept')
    await b.setStatus(child.id, 'verified') // a record written under version 1, rewritten: now in the change sequence
    expect(await a.getTips(root.id)).toEqual([child.id])
    const raw = await rawOpen(name)
    expect(raw.version).toBe(SCHEMA_VERSION)
    expect([...raw.transaction('entries').objectStore('entries').indexNames]).toEqual(['seq'])
    raw.close()
  })

  it('a tampered entry (no longer hashing to its key) makes open fail with CORRUPT_STORE', async () => {
    const name = uniqueName()
    const a = await open(name)
    const root = makeRoot('tamper')
    await a.put(root.id, root.entry, 'verified')
    await a.close()
    const raw = await rawOpen(name)
    const tampered = { entry: { ...root.entry, tree: { ...root.entry.tree, metadata: '{"entropy":"evil"}' } }, status: 'verified' }
    await rawTx(raw, 'entries', 'readwrite', (s) => s.put(tampered, root.id))
    raw.close()
    expect(await codeOf(IndexedDbBackend.open(name))).toBe('CORRUPT_STORE')
  })

  it.each([
    ['not an object', 42],
    ['a bad status', { entry: makeRoot('x').entry, status: 'trusted' }],
    ['no entry', { status: 'verified' }],
  ])('a damaged record (%s) makes open fail with CORRUPT_STORE', async (_label, value) => {
    const name = uniqueName()
    const a = await open(name)
    await a.close()
    const raw = await rawOpen(name)
    await rawTx(raw, 'entries', 'readwrite', (s) => s.put(value, 'some-id'))
    raw.close()
    expect(await codeOf(IndexedDbBackend.open(name))).toBe('CORRUPT_STORE')
  })

  it('a damaged local key or metadata value is a CORRUPT_STORE error, not a wrong answer', async () => {
    const name = uniqueName()
    const b = await open(name)
    const raw = await rawOpen(name)
    await rawTx(raw, 'localKeys', 'readwrite', (s) => s.put('not bytes', 'k'))
    await rawTx(raw, 'metadata', 'readwrite', (s) => s.put(17, 'm'))
    raw.close()
    expect(await codeOf(b.getLocalKey('k'))).toBe('CORRUPT_STORE')
    expect(await codeOf(b.getMetadata('m'))).toBe('CORRUPT_STORE')
  })

  it('an upgrade blocked by another open connection fails with UPGRADE_BLOCKED and never runs later', async () => {
    const name = uniqueName()
    names.push(name)
    const old = await rawOpen(name, 1, (db) => db.createObjectStore('v1'))
    old.onversionchange = () => undefined // an old tab that does not let go
    let upgraded = false
    const attempt = openDatabase(indexedDB, name, 2, (db) => {
      upgraded = true
      db.createObjectStore('v2')
    })
    expect(await codeOf(attempt)).toBe('UPGRADE_BLOCKED')
    old.close() // the old tab goes away: the pending request proceeds, and is aborted
    await new Promise((r) => setTimeout(r, 50))
    const after = await rawOpen(name)
    expect(after.version).toBe(1)
    expect([...after.objectStoreNames]).toEqual(['v1'])
    after.close()
    expect(upgraded).toBe(false)
  })

  it('hostile arguments to open are argument errors', async () => {
    await expect(IndexedDbBackend.open('')).rejects.toBeInstanceOf(RangeError)
    await expect(IndexedDbBackend.open(7 as unknown as string)).rejects.toBeInstanceOf(TypeError)
  })

  it('without IndexedDB, open fails with INDEXEDDB_UNAVAILABLE', async () => {
    const g = globalThis as { indexedDB?: IDBFactory }
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB')!
    Object.defineProperty(globalThis, 'indexedDB', { value: undefined, configurable: true, writable: true })
    try {
      expect(await codeOf(IndexedDbBackend.open(uniqueName()))).toBe('INDEXEDDB_UNAVAILABLE')
    } finally {
      Object.defineProperty(globalThis, 'indexedDB', saved)
    }
    expect(g.indexedDB).toBeDefined()
  })
})

describe('closed under us', () => {
  it('the database deleted by another connection: the handle lets go, then answers BACKEND_CLOSED (deleted)', async () => {
    const name = uniqueName()
    const b = await open(name)
    const root = makeRoot('deleted')
    await b.put(root.id, root.entry, 'verified')
    await deleteDatabase(name) // not blocked: the handle closes itself on versionchange
    expect(b.closedReason).toBe('deleted')
    const err = await b.put(makeRoot('after').id, makeRoot('after').entry, 'verified').catch((e: unknown) => e)
    expect((err as { code: string; reason: string }).code).toBe('BACKEND_CLOSED')
    expect((err as { reason: string }).reason).toBe('deleted')
    expect(await codeOf(b.get(root.id))).toBe('BACKEND_CLOSED')
    expect(await codeOf(b.getLocalKey('k'))).toBe('BACKEND_CLOSED')
  })

  it('a newer version opened in another tab: the handle lets go (BACKEND_CLOSED, upgraded)', async () => {
    const name = uniqueName()
    const b = await open(name)
    const newer = await rawOpen(name, SCHEMA_VERSION + 1, (db) => db.createObjectStore('next'))
    newer.close()
    expect(b.closedReason).toBe('upgraded')
    expect(await codeOf(b.getTips('x'))).toBe('BACKEND_CLOSED')
  })

  it('after close() every call fails with BACKEND_CLOSED; close is idempotent', async () => {
    const b = await open()
    await b.close()
    await b.close()
    const root = makeRoot('closed')
    expect(await codeOf(b.put(root.id, root.entry, 'verified'))).toBe('BACKEND_CLOSED')
    expect(await codeOf(b.has(root.id))).toBe('BACKEND_CLOSED')
    expect(await codeOf(b.setMetadata('a', 'b'))).toBe('BACKEND_CLOSED')
    expect(() => b.watch(() => undefined)).toThrow(expect.objectContaining({ code: 'BACKEND_CLOSED' }))
  })
})

describe('two handles on one database (two tabs)', () => {
  it('the second sees the first one’s writes through watch, and its reads follow', async () => {
    const name = uniqueName()
    const a = await open(name)
    const b = await open(name)
    const seenByB: ChangedEntry[] = []
    const seenByA: ChangedEntry[] = []
    b.watch((entries) => seenByB.push(...entries))
    a.watch((entries) => seenByA.push(...entries))
    const root = makeRoot('tabs')
    const child = makeEntry(root.id, [root.id], {}, 'c')
    await Promise.all([a.put(root.id, root.entry, 'verified'), a.put(child.id, child.entry, 'unverified')])
    await eventually(() => seenByB.length === 2)
    expect(seenByB.map((e) => e.id).sort()).toEqual([root.id, child.id].sort())
    expect(seenByB.find((e) => e.id === child.id)).toEqual({ id: child.id, tree: root.id, status: 'unverified' })
    expect(await b.getTips(root.id)).toEqual([root.id])

    await a.setStatus(child.id, 'verified')
    await eventually(() => seenByB.length === 3)
    expect(seenByB[2]).toMatchObject({ id: child.id, status: 'verified' })
    expect(await b.getTips(root.id)).toEqual([child.id])
    expect(seenByA).toEqual([]) // a handle is not told of its own writes
  })

  it('unsubscribe stops the feed; a throwing listener does not stop the others', async () => {
    const name = uniqueName()
    const a = await open(name)
    const b = await open(name)
    let stopped = 0
    let kept = 0
    const stop = b.watch(() => stopped++)
    b.watch(() => {
      throw new Error('listener bug')
    })
    b.watch(() => kept++)
    stop()
    const root = makeRoot('unsub')
    await a.put(root.id, root.entry, 'verified')
    await eventually(() => kept === 1)
    expect(stopped).toBe(0)
  })

  it('re-putting an id another tab already stored keeps the stored status, even before the notice arrives', async () => {
    const name = uniqueName()
    const a = await open(name)
    const b = await open(name)
    const root = makeRoot('race')
    await a.put(root.id, root.entry, 'failed')
    await b.put(root.id, root.entry, 'verified') // b has not read a's notice yet
    expect(await b.getStatus(root.id)).toBe('failed')
    await b.close()
    const c = await open(name)
    expect(await c.getStatus(root.id)).toBe('failed')
  })

  it('a forged notice on the channel changes nothing', async () => {
    const name = uniqueName()
    const b = await open(name)
    let calls = 0
    b.watch(() => calls++)
    const channel = new BroadcastChannel(`engram-indexeddb:${name}`)
    channel.postMessage({ ids: ['no-such-id', 42] })
    channel.postMessage('garbage')
    channel.postMessage({ seq: 'x' })
    channel.postMessage({ seq: 1e12 }) // points past everything: one look, which finds nothing
    await new Promise((r) => setTimeout(r, 50))
    channel.close()
    expect(calls).toBe(0)
    expect(await b.has('no-such-id')).toBe(false)
  })

  it('every read sees what another handle committed before it, with no notice needed', async () => {
    const name = uniqueName()
    const a = await open(name)
    const b = await open(name)
    const root = makeRoot('fresh')
    const child = makeEntry(root.id, [root.id], {}, 'c')
    await a.put(root.id, root.entry, 'verified')
    expect(await b.has(root.id)).toBe(true)
    expect(await b.get(root.id)).toEqual(root.entry)
    await a.put(child.id, child.entry, 'unverified')
    expect(await b.getStatus(child.id)).toBe('unverified')
    expect(await b.idsByStatus('unverified')).toEqual([child.id])
    expect((await b.treeEntryIds(root.id)).sort()).toEqual([root.id, child.id].sort())
    expect(await b.rootIds()).toEqual([root.id])
    await a.setStatus(child.id, 'failed')
    expect(await b.getStatus(child.id)).toBe('failed')
    expect(await b.idsByStatus('failed')).toEqual([child.id])
  })

  it('own writes are never reported, even when another handle wrote in between', async () => {
    const name = uniqueName()
    const a = await open(name)
    const b = await open(name)
    const root = makeRoot('between')
    const mine = makeEntry(root.id, [root.id], {}, 'mine')
    const theirs = makeEntry(root.id, [root.id], {}, 'theirs')
    await b.put(root.id, root.entry, 'verified')
    await b.put(theirs.id, theirs.entry, 'verified')
    // a has not looked since b wrote: its own writes come after b's in the change sequence, and reach its mirror with them.
    await a.put(mine.id, mine.entry, 'verified')
    await a.setStatus(mine.id, 'unverified')
    const seenByA: ChangedEntry[] = []
    a.watch((entries) => seenByA.push(...entries))
    expect(await a.getTips(root.id)).toEqual([theirs.id])
    expect(await a.getStatus(mine.id)).toBe('unverified')
    await eventually(() => seenByA.length >= 2)
    await new Promise((r) => setTimeout(r, 50))
    expect(seenByA.map((c) => c.id)).toEqual([root.id, theirs.id])
    expect(seenByA[1]).toEqual({ id: theirs.id, tree: root.id, status: 'verified' })
  })

  it('reads issued together share one look at IndexedDB', async () => {
    const name = uniqueName()
    const a = await open(name)
    const b = await open(name)
    const root = makeRoot('together')
    await b.put(root.id, root.entry, 'verified')
    const proto = IDBDatabase.prototype
    const original = proto.transaction
    let reads = 0
    proto.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      if (args[1] !== 'readwrite') reads++
      return original.apply(this, args)
    } as IDBDatabase['transaction']
    let answers: unknown[]
    try {
      answers = await Promise.all([a.getTips(root.id), a.getStoreTips(root.id, 's'), a.getHeight(root.id, root.id), a.getStatus(root.id)])
    } finally {
      proto.transaction = original
    }
    expect(answers).toEqual([[root.id], [], 0, 'verified'])
    expect(reads).toBe(1)
  })

  it('a damaged record another handle wrote is neither taken in nor reported; later writes still are', async () => {
    const name = uniqueName()
    const a = await open(name)
    const b = await open(name)
    const seen: ChangedEntry[] = []
    a.watch((entries) => seen.push(...entries))
    const root = makeRoot('damaged-later')
    await b.put(root.id, root.entry, 'verified')
    await eventually(() => seen.length === 1)
    const forged = makeRoot('forged')
    const raw = await rawOpen(name)
    // A tampered entry (does not hash to its key), and a record that is no record, both with the next sequence numbers.
    const tampered = { entry: { ...forged.entry, tree: { ...forged.entry.tree, metadata: 'evil' } }, status: 'verified', seq: 1000, by: 'x' }
    await rawTx(raw, 'entries', 'readwrite', (s) => s.put(tampered, forged.id))
    await rawTx(raw, 'entries', 'readwrite', (s) => s.put({ seq: 1001 }, 'junk'))
    raw.close()
    expect(await a.has(forged.id)).toBe(false)
    expect(await a.has('junk')).toBe(false)
    expect(await a.rootIds()).toEqual([root.id])
    const child = makeEntry(root.id, [root.id], {}, 'after')
    await b.put(child.id, child.entry, 'verified')
    expect(await a.getTips(root.id)).toEqual([child.id])
    await eventually(() => seen.length === 2)
    expect(seen.map((c) => c.id)).toEqual([root.id, child.id])
  })

  it('without BroadcastChannel, a watcher still hears of other handles\' writes', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'BroadcastChannel')!
    Object.defineProperty(globalThis, 'BroadcastChannel', { value: undefined, configurable: true, writable: true })
    let a: IndexedDbBackend
    let b: IndexedDbBackend
    const name = uniqueName()
    try {
      a = await open(name)
      b = await open(name)
    } finally {
      Object.defineProperty(globalThis, 'BroadcastChannel', saved)
    }
    const seen: ChangedEntry[] = []
    const stop = a.watch((entries) => seen.push(...entries))
    const root = makeRoot('no-channel')
    await b.put(root.id, root.entry, 'verified')
    await eventually(() => seen.length === 1)
    expect(seen).toEqual([{ id: root.id, tree: root.id, status: 'verified' }])
    stop()
  })
})
