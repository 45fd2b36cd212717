/**
 * The engine follows a backend's change feed (issue 10, `watch`): entries
 * another process stored reach this engine's tips, states and remote hooks;
 * an entry reported again (its own write, or one it already took in) and an
 * entry on tips it has moved past never bring old tips back.
 */
import { describe, expect, it } from 'vitest'
import type { Backend, ChangedEntry, WatchableBackend } from '@engram/backend-api'
import { MemoryBackend } from '@engram/backend-memory'
import { Database, DocStore, Engine, type Id } from '@engram/database'
import { keyFromSeed, write } from './helpers.js'

/** A MemoryBackend with a change feed the test drives by hand. */
class FeedMemory extends MemoryBackend implements WatchableBackend {
  readonly watchers = new Set<(c: ChangedEntry[]) => void>()
  watch(onEntries: (c: ChangedEntry[]) => void): () => void {
    this.watchers.add(onEntries)
    return () => this.watchers.delete(onEntries)
  }
  report(changes: ChangedEntry[]): void {
    for (const w of this.watchers) w(changes)
  }
}

/** Another process's handle on the same storage: a distinct object (its own engine state), same entries. */
function otherProcess(inner: FeedMemory): Backend {
  return new Proxy(inner, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
}

const settle = () => new Promise((r) => setTimeout(r, 20))

describe('following a change feed', () => {
  it('another process\'s commits reach tips, views and remote hooks; reports of known entries change nothing', async () => {
    const backend = new FeedMemory()
    const signer = { key: await keyFromSeed(3), sigKey: 'admin' }
    const db = await Database.create(new Engine(backend), { name: 'feed' }, signer)
    const e1 = await write(db, { a: 1 })
    const heard: Id[] = []
    db.onRemoteWrite((e) => void heard.push(e.entryId))
    const other = await Database.open(new Engine(otherProcess(backend)), db.id, signer)
    const x1 = await write(other, { x: 1 })
    const x2 = await write(other, { x: 2 })
    expect(await db.getTips()).toEqual([e1]) // not reported yet
    backend.report([
      { id: x1, tree: db.id, status: 'verified' },
      { id: x2, tree: db.id, status: 'verified' },
    ])
    await settle()
    expect(await db.getTips()).toEqual([x2])
    expect(await (await db.getStore('s', DocStore)).toJSON()).toEqual({ a: 1, x: 2 })
    expect(heard).toEqual([x1, x2])
    // Reported again, and this process's own entry reported: no tips come back, no hook fires.
    const e2 = await write(db, { a: 2 })
    backend.report([
      { id: x1, tree: db.id, status: 'verified' },
      { id: e1, tree: db.id, status: 'verified' },
      { id: e2, tree: db.id, status: 'verified' },
    ])
    await settle()
    expect(await db.getTips()).toEqual([e2])
    expect(heard).toEqual([x1, x2])
    // A replica accepts every entry (no commit named a tip it had left).
    const e3 = await write(db, { a: 3 })
    const replica = new Engine(new MemoryBackend())
    expect((await replica.receiveEntries(await db.getAllEntries())).failed).toEqual([])
    expect(await replica.backend.getTips(db.id)).toEqual([e3])
  })

  it('an entry made on tips this process moved past is a concurrent branch: merged, nothing lost', async () => {
    const backend = new FeedMemory()
    const signer = { key: await keyFromSeed(4), sigKey: 'admin' }
    const db = await Database.create(new Engine(backend), { name: 'branch' }, signer)
    const base = await write(db, { base: 1 })
    const other = await Database.open(new Engine(otherProcess(backend)), db.id, signer)
    const mine = await write(db, { mine: 1 })
    const theirs = await write(other, { theirs: 1 }, [base])
    backend.report([{ id: theirs, tree: db.id, status: 'verified' }])
    await settle()
    expect(await db.getTips()).toEqual([mine, theirs].sort())
    const merge = await write(db, { merged: true })
    expect(await db.getTips()).toEqual([merge])
    expect(await (await db.getStore('s', DocStore)).toJSON()).toEqual({ base: 1, mine: 1, theirs: 1, merged: true })
    const replica = new Engine(new MemoryBackend())
    expect((await replica.receiveEntries(await db.getAllEntries())).failed).toEqual([])
  })
})
