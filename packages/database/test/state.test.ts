import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Database, DocStore, type Id } from '@engram/database'
import { coldCopy, setup } from './helpers.js'

type Db = Database

async function write(db: Db, values: Record<string, unknown>, tips?: Id[], store = 's'): Promise<Id> {
  const txn = tips ? await db.newTransactionAt(tips) : await db.newTransaction()
  const s = await txn.getStore(store, DocStore)
  for (const [k, v] of Object.entries(values)) await s.set(k, v as never)
  return txn.commit()
}

async function readAt(db: Db, tips: Id[], store = 's'): Promise<Record<string, unknown>> {
  const txn = await db.newTransactionAt(tips)
  return (await txn.getStore(store, DocStore)).toJSON()
}

describe('store state (DECISIONS 5)', () => {
  it('follows a long linear chain, and reads at old tips', async () => {
    const { db, engine } = await setup()
    const ids: Id[] = []
    for (let i = 0; i < 1200; i++) ids.push(await write(db, { [`k${i % 10}`]: i, last: i }))
    const view = await db.getStore('s', DocStore)
    expect(await view.get('last')).toBe(1199)
    expect(await view.get('k3')).toBe(1193)
    expect(await readAt(db, [ids[99]!])).toMatchObject({ last: 99, k9: 99, k0: 90 })
    expect((await readAt(db, [ids[5]!])).k6).toBeUndefined()
    // A cold replica (no kept state, no cache) computes the same, iteratively.
    const cold = await Database.open(await coldCopy(engine, db.id), db.id)
    expect(await (await cold.getStore('s', DocStore)).toJSON()).toEqual(await view.toJSON())
    expect(await readAt(cold, [ids[700]!])).toEqual(await readAt(db, [ids[700]!]))
  })

  it('merges a diamond: both sides visible after the merge', async () => {
    const { db } = await setup()
    const base = await write(db, { shared: 0 })
    const a = await write(db, { a: 1 }, [base])
    const b = await write(db, { b: 2 }, [base])
    expect((await db.getTips()).sort()).toEqual([a, b].sort())
    expect(await (await db.getStore('s', DocStore)).toJSON()).toEqual({ shared: 0, a: 1, b: 2 })
    const merge = await write(db, { m: 3 })
    expect((await db.getEntry(merge)).tree.parents).toEqual([a, b].sort())
    expect(await (await db.getStore('s', DocStore)).toJSON()).toEqual({ shared: 0, a: 1, b: 2, m: 3 })
    // Each side alone still reads as before.
    expect(await readAt(db, [a])).toEqual({ shared: 0, a: 1 })
    expect(await readAt(db, [b])).toEqual({ shared: 0, b: 2 })
  })

  it('concurrent writes to one key: equal height → the larger id wins', async () => {
    const { db } = await setup()
    const base = await write(db, { k: 'base' })
    const x = await write(db, { k: 'x' }, [base])
    const y = await write(db, { k: 'y' }, [base])
    const winner = x > y ? 'x' : 'y'
    expect(await (await db.getStore('s', DocStore)).get('k')).toBe(winner)
    expect(await readAt(db, [y, x])).toEqual({ k: winner })
  })

  it('concurrent writes to one key: the deeper entry wins whatever the ids', async () => {
    for (let round = 0; round < 4; round++) {
      const { db } = await setup()
      const base = await write(db, { k: 'base' })
      const deep1 = await write(db, { other: round }, [base])
      const deep2 = await write(db, { k: 'deep' }, [deep1])
      const shallow = await write(db, { k: 'shallow' }, [base])
      expect((await db.getTips()).sort()).toEqual([deep2, shallow].sort())
      expect(await (await db.getStore('s', DocStore)).get('k')).toBe('deep')
    }
  })

  it('merges 50 concurrent branches in one transaction', async () => {
    const { db, engine } = await setup()
    const base = await write(db, { base: true })
    const branches: Id[] = []
    for (let i = 0; i < 50; i++) branches.push(await write(db, { [`b${i}`]: i, same: i }, [base]))
    expect((await db.getTips()).length).toBe(50)
    const txn = await db.newTransaction()
    const s = await txn.getStore('s', DocStore)
    const all = await s.toJSON()
    const winner = branches.indexOf([...branches].sort().at(-1)!)
    expect(all.same).toBe(winner)
    for (let i = 0; i < 50; i++) expect(all[`b${i}`]).toBe(i)
    const merge = await txn.commit()
    expect(await db.getTips()).toEqual([merge])
    expect((await db.getEntry(merge)).tree.parents.length).toBe(50)
    const cold = await Database.open(await coldCopy(engine, db.id), db.id)
    expect(await (await cold.getStore('s', DocStore)).toJSON()).toEqual(await (await db.getStore('s', DocStore)).toJSON())
  })

  it('views are snapshots: later commits do not change them (copy-on-write)', async () => {
    const { db } = await setup()
    await write(db, { a: 1 })
    const view = await db.getStore('s', DocStore)
    await write(db, { a: 2, b: 3 })
    const view2 = await db.getStore('s', DocStore)
    await write(db, { a: 4 })
    expect(await view.toJSON()).toEqual({ a: 1 })
    expect(await view2.toJSON()).toEqual({ a: 2, b: 3 })
    expect(await (await db.getStore('s', DocStore)).toJSON()).toEqual({ a: 4, b: 3 })
    const settings = await db.getSettings()
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).setName('renamed')
    await t.commit()
    expect(await settings.getName()).toBe('test')
    expect(await db.name()).toBe('renamed')
  })

  it('an open transaction keeps reading the state at its parents while others commit', async () => {
    const { db } = await setup()
    await write(db, { a: 1 })
    const txn = await db.newTransaction()
    const s = await txn.getStore('s', DocStore)
    expect(await s.get('a')).toBe(1)
    await write(db, { a: 2 })
    await write(db, { a: 3 })
    expect(await s.get('a')).toBe(1)
    await s.set('b', 1)
    expect(await s.toJSON()).toEqual({ a: 1, b: 1 })
    await txn.commit()
    // Branched from the old tips: the other writes are deeper, so a = 3 stays.
    expect(await (await db.getStore('s', DocStore)).toJSON()).toEqual({ a: 3, b: 1 })
  })

  it('concurrent commits from transactions opened at the same tips all land and merge', async () => {
    const { db, engine } = await setup()
    await write(db, { base: 0 })
    const txns = await Promise.all(Array.from({ length: 20 }, () => db.newTransaction()))
    const ids = await Promise.all(
      txns.map(async (txn, i) => {
        await (await txn.getStore('s', DocStore)).set(`c${i}`, i)
        return txn.commit()
      }),
    )
    expect((await db.getTips()).sort()).toEqual([...ids].sort())
    const merged = await (await db.getStore('s', DocStore)).toJSON()
    for (let i = 0; i < 20; i++) expect(merged[`c${i}`]).toBe(i)
    const cold = await Database.open(await coldCopy(engine, db.id), db.id)
    expect(await (await cold.getStore('s', DocStore)).toJSON()).toEqual(merged)
  })

  it('separate stores have separate states, and store roots on two branches merge', async () => {
    const { db } = await setup()
    const base = await write(db, { x: 1 }, undefined, 'one')
    const a = await write(db, { a: 1 }, [base], 'two')
    const b = await write(db, { b: 1 }, [base], 'two')
    expect(await readAt(db, [a, b], 'two')).toEqual({ a: 1, b: 1 })
    expect(await readAt(db, [a, b], 'one')).toEqual({ x: 1 })
  })

  it('the kept state equals a cold recomputation on random DAGs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            // which current tips to build on (as a bitmask over a sorted tip list), which store, key and value
            pick: fc.nat(),
            store: fc.constantFrom('s', 't'),
            key: fc.constantFrom('a', 'b', 'c', 'n.x', 'n.y'),
            value: fc.oneof(fc.integer(), fc.constant(null), fc.constant('del')),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        async (ops) => {
          const { db, engine } = await setup()
          const all: Id[] = [db.id]
          for (const op of ops) {
            const tips = await db.getTips()
            const chosen = [...all].filter((_, i) => ((op.pick >> i) & 1) === 1).slice(0, 3)
            const at = chosen.length > 0 && op.pick % 3 !== 0 ? chosen : tips
            const txn = await db.newTransactionAt(at)
            const s = await txn.getStore(op.store, DocStore)
            if (op.value === 'del') await s.delete(op.key.split('.')[0]!)
            else if (op.key.includes('.')) await s.setPath(op.key, op.value)
            else await s.set(op.key, op.value)
            all.push(await txn.commit())
          }
          const cold = await Database.open(await coldCopy(engine, db.id), db.id)
          for (const store of ['s', 't']) {
            expect(await (await cold.getStore(store, DocStore)).toJSON()).toEqual(await (await db.getStore(store, DocStore)).toJSON())
          }
          const some = all.slice(-3)
          expect(await readAt(cold, some)).toEqual(await readAt(db, some))
        },
      ),
      { numRuns: 40 },
    )
  })
})
