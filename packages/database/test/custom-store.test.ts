import { describe, expect, it } from 'vitest'
import {
  CorruptDataError,
  DocStore,
  Store,
  getStoreType,
  listStoreTypes,
  registerStoreType,
  type Id,
  type StoreCrdt,
} from '@engram/database'
import { expectCode, setup } from './helpers.js'

/**
 * A plugin-style store: a grow-only counter (G-Counter). State: writer → count;
 * merge takes the maximum per writer; the value is the sum.
 */
type Counts = Map<string, number>

const gCounter: StoreCrdt<Counts> = {
  empty: () => new Map(),
  decode(data) {
    let parsed: unknown
    try {
      parsed = JSON.parse(data)
    } catch {
      throw new CorruptDataError('counter data is not JSON')
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CorruptDataError('counter data must be an object')
    const out: Counts = new Map()
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'number' && Number.isInteger(v) && v >= 0) out.set(k, v)
    return out
  },
  encode: (state) => JSON.stringify(Object.fromEntries([...state].sort(([a], [b]) => (a < b ? -1 : 1)))),
  absorb(state, delta) {
    for (const [k, v] of delta) state.set(k, Math.max(state.get(k) ?? 0, v))
    return state
  },
  clone: (state) => new Map(state),
  isEmpty: (state) => state.size === 0,
}

class Counter extends Store<Counts> {
  static readonly typeId = 'gcounter:v1'
  static readonly crdt = gCounter

  /** Adds `n` (≥ 0) to this writer's share. */
  async increment(writer: string, n = 1): Promise<void> {
    if (!Number.isInteger(n) || n < 0) throw new RangeError('n must be a non-negative integer')
    const committed = (await this.committed()).get(writer) ?? 0
    const staged = this.stage()
    staged.set(writer, (staged.get(writer) ?? committed) + n)
  }

  async value(): Promise<number> {
    let sum = 0
    for (const v of (await this.current()).values()) sum += v
    return sum
  }
}

describe('custom store types', () => {
  it('registers, writes in one transaction, merges across branches, reads back', async () => {
    registerStoreType(Counter)
    expect(getStoreType('gcounter:v1')).toBe(Counter)
    expect(listStoreTypes()).toEqual(expect.arrayContaining(['docstore:v1', 'table:v1', 'gcounter:v1']))

    const { db } = await setup()
    const txn = await db.newTransaction()
    const c = await txn.getStore('hits', Counter)
    await c.increment('alice', 2)
    await c.increment('alice')
    expect(await c.value()).toBe(3)
    const base = await txn.commit()

    const branch = async (writer: string, n: number): Promise<Id> => {
      const t = await db.newTransactionAt([base])
      await (await t.getStore('hits', Counter)).increment(writer, n)
      return t.commit()
    }
    await branch('bob', 5)
    await branch('carol', 7)
    await branch('alice', 1)
    expect((await db.getTips()).length).toBe(3)
    const view = await db.getStore('hits', Counter)
    expect(await view.value()).toBe(3 + 5 + 7 + 1)
    await expectCode(view.increment('x'), 'READ_ONLY')
    await expectCode(db.getStore('hits', DocStore), 'TYPE_MISMATCH')
  })

  it('refuses a type id taken by another class, and malformed classes', () => {
    class Impostor extends Store<Counts> {
      static readonly typeId = 'gcounter:v1'
      static readonly crdt = gCounter
    }
    registerStoreType(Counter)
    registerStoreType(Counter)
    expect(() => registerStoreType(Impostor)).toThrow(expect.objectContaining({ code: 'STORE_TYPE_EXISTS' }))
    class NoType extends Store<Counts> {
      static readonly typeId = 'no type'
      static readonly crdt = gCounter
    }
    expect(() => registerStoreType(NoType)).toThrow(TypeError)
    expect(() => registerStoreType({} as never)).toThrow(TypeError)
    class BadMerge extends Store<Counts> {
      static readonly typeId = 'badmerge:v1'
      static readonly crdt = { ...gCounter, merge: 'no' } as unknown as StoreCrdt<Counts>
    }
    expect(() => registerStoreType(BadMerge)).toThrow(TypeError)
  })

  it('a type with a persistent merge is never cloned: views stay snapshots across commits', async () => {
    let clones = 0
    // The same counter, folded persistently: merge makes a new Map and leaves the old one as it was.
    const persistent: StoreCrdt<Counts> = {
      ...gCounter,
      clone: (state) => {
        clones++
        return new Map(state)
      },
      merge: (state, delta) => gCounter.absorb(new Map(state), delta),
    }
    class PCounter extends Store<Counts> {
      static readonly typeId = 'pcounter:v1'
      static readonly crdt = persistent
      async increment(writer: string, n: number): Promise<void> {
        const committed = (await this.committed()).get(writer) ?? 0
        const staged = this.stage()
        staged.set(writer, (staged.get(writer) ?? committed) + n)
      }
      async value(): Promise<number> {
        let sum = 0
        for (const v of (await this.current()).values()) sum += v
        return sum
      }
    }
    const { db } = await setup()
    const bump = async (writer: string, n: number): Promise<void> => {
      const t = await db.newTransaction()
      const c = await t.getStore('p', PCounter)
      await c.increment(writer, n)
      expect(await c.value()).toBeGreaterThanOrEqual(n) // reads its own write
      await t.commit()
    }
    const seen: [PCounter, number][] = []
    for (let i = 1; i <= 20; i++) {
      await bump(i % 2 === 0 ? 'alice' : 'bob', i)
      const view = await db.getStore('p', PCounter)
      seen.push([view, await view.value()])
    }
    await bump('carol', 100)
    for (const [view, value] of seen) expect(await view.value()).toBe(value)
    expect(await (await db.getStore('p', PCounter)).value()).toBe(110 + 100 + 100) // alice 2+4+…+20, bob 1+3+…+19, carol
    expect(clones).toBe(0)
  })
})
