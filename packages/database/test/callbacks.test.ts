/**
 * DECISIONS 15: write callbacks run after the write and are never awaited
 * by it. Each case here deadlocked or blocked before that rule held.
 */
import { describe, expect, it } from 'vitest'
import { Database, DocStore, Engine, WriteHooks, type Id } from '@engram/database'
import { MemoryBackend } from '@engram/backend-memory'
import { newEngine, setup, write } from './helpers.js'

const NEVER = new Promise<void>(() => {})
const tick = (ms: number): Promise<'timeout'> => new Promise((resolve) => setTimeout(() => resolve('timeout'), ms))

/** Resolves to the promise's value, or 'timeout' when it has not settled after `ms` (a deadlock check, not a speed check). */
async function within<T>(promise: Promise<T>, ms = 2000): Promise<T | 'timeout'> {
  return Promise.race([promise, tick(ms)])
}

describe('write callbacks never block writes', () => {
  it('a local callback that never settles does not block commit()', async () => {
    const { db } = await setup()
    db.onLocalWrite(() => NEVER)
    const first = await within(write(db, { a: 1 }))
    expect(first).toMatch(/^sha256:/)
    const second = await within(write(db, { a: 2 }))
    expect(second).toMatch(/^sha256:/)
    expect(await (await db.getStore('s', DocStore)).get('a')).toBe(2)
  })

  it('a local callback may commit to the same database; its own write is told too', async () => {
    const { db, engine } = await setup()
    const told: Id[] = []
    let reacted = false
    db.onLocalWrite(async ({ entryId }) => {
      told.push(entryId)
      if (reacted) return
      reacted = true
      await write(db, { echo: true })
    })
    const id = await within(write(db, { a: 1 }))
    expect(id).toMatch(/^sha256:/)
    await engine.hooks.settled()
    expect(told).toHaveLength(2)
    expect(told[0]).toBe(id)
    const view = await db.getStore('s', DocStore)
    expect(await view.get('echo')).toBe(true)
    expect(await view.get('a')).toBe(1)
  })

  it('a remote callback that receives entries itself (fetching what follows) does not deadlock', async () => {
    const { db } = await setup()
    await write(db, { n: 1 })
    await write(db, { n: 2 })
    const all = await db.getAllEntries()
    const replica = newEngine()
    const [root, ...rest] = all
    let fetched: Promise<unknown> | undefined
    replica.hooks.on('remote', async (e) => {
      // As sync does: on the first entry, go and get the rest through the same receive chain, and wait for it.
      if (e.entryId !== root!.id) return
      fetched = replica.receiveEntries(rest.map((r) => r.entry))
      await fetched
    })
    const first = await within(replica.receiveEntries([root!.entry]))
    expect(first).not.toBe('timeout')
    await replica.hooks.settled()
    const second = await within(fetched!)
    expect(second).not.toBe('timeout')
    const copy = await Database.open(replica, db.id)
    expect(await (await copy.getStore('s', DocStore)).get('n')).toBe(2)
    expect(await copy.getTips()).toEqual(await db.getTips())
  })

  it('a remote callback that never settles does not block later receives', async () => {
    const { db } = await setup()
    await write(db, { n: 1 })
    const all = await db.getAllEntries()
    const replica = newEngine()
    replica.hooks.on('remote', () => NEVER)
    for (const e of all) {
      const r = await within(replica.receiveEntries([e.entry]))
      expect(r).not.toBe('timeout')
    }
    const copy = await Database.open(replica, db.id)
    expect(await (await copy.getStore('s', DocStore)).get('n')).toBe(1)
  })

  it('events reach listeners in write order, even behind a slow async listener', async () => {
    const { db, engine } = await setup()
    const order: string[] = []
    db.onLocalWrite(async ({ entryId }) => {
      await tick(20)
      order.push(`slow:${entryId}`)
    })
    db.onLocalWrite(({ entryId }) => void order.push(`fast:${entryId}`))
    const a = await write(db, { k: 1 })
    const b = await write(db, { k: 2 })
    await engine.hooks.settled()
    expect(order.filter((s) => s.startsWith('fast:'))).toEqual([`fast:${a}`, `fast:${b}`])
    expect(order.filter((s) => s.startsWith('slow:'))).toEqual([`slow:${a}`, `slow:${b}`])
    // The fast listener was not held back by the slow one.
    expect(order.indexOf(`fast:${b}`)).toBeLessThan(order.indexOf(`slow:${a}`))
  })

  it('throws and rejections go to onError with their event; the writer never sees them', async () => {
    const errors: { message: string; entryId: Id }[] = []
    const engine = new Engine(new MemoryBackend(), {
      onError: (err, event) => void errors.push({ message: (err as Error).message, entryId: event.entryId }),
    })
    const { key } = await setup()
    const db = await Database.create(engine, { name: 'x' }, { key, sigKey: 'admin' })
    db.onLocalWrite(() => {
      throw new Error('sync boom')
    })
    db.onLocalWrite(async () => {
      await tick(1)
      throw new Error('async boom')
    })
    const id = await write(db, { a: 1 })
    await engine.hooks.settled()
    expect(errors).toEqual([
      { message: 'sync boom', entryId: id },
      { message: 'async boom', entryId: id },
    ])
  })

  it('a listener registered after a write is not told about it; an unsubscribed one is not told again', async () => {
    const hooks = new WriteHooks()
    const seen: string[] = []
    const event = { entryId: 'sha256:' + 'a'.repeat(64), databaseId: 'sha256:' + 'b'.repeat(64), entry: {} as never, source: 'local' as const }
    const off = hooks.on('local', () => void seen.push('first'))
    hooks.emit(event)
    hooks.on('local', () => void seen.push('late'))
    await hooks.settled()
    expect(seen).toEqual(['first'])
    off()
    hooks.emit(event)
    await hooks.settled()
    expect(seen).toEqual(['first', 'late'])
  })
})
