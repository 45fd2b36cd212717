/**
 * `_index` under concurrency (issue 8, item 5): the first registration of a
 * store name in the DAG order wins, data written to that name under the
 * other type is skipped, and a registration read after an `await` never
 * sees a state a concurrent receive advanced.
 */
import { Database, DocStore, Table, type Id } from '@engram/database'
import { describe, expect, it } from 'vitest'
import { expectCode, newEngine, setup } from './helpers.js'

interface Row {
  title: string
}

async function height(db: Database, id: Id): Promise<number> {
  return db.engine.backend.getHeight(db.id, id)
}

describe('_index: one type per store name', () => {
  it('two branches registering one name with different types: the first in the DAG order wins, the other type\'s data is skipped', async () => {
    const { db } = await setup()
    const fork = (await db.getTips())[0]!
    // Branch A: `y` as a Table, two commits deep.
    const ta = await db.newTransactionAt([fork])
    const rowId = await (await ta.getStore('y', Table<Row>)).insert({ title: 'from A' })
    const a1 = await ta.commit()
    const ta2 = await db.newTransactionAt([a1])
    await (await ta2.getStore('y', Table<Row>)).insert({ title: 'A again' })
    const a2 = await ta2.commit()
    // Branch B: `y` as a DocStore.
    const tb = await db.newTransactionAt([fork])
    await (await tb.getStore('y', DocStore)).set('k', 'from B')
    const b1 = await tb.commit()
    const tb2 = await db.newTransactionAt([b1])
    await (await tb2.getStore('y', DocStore)).set('k2', 'B again')
    const b2 = await tb2.commit()
    expect((await db.getTips()).sort()).toEqual([a2, b2].sort())

    // Both registrations are at height 1: the smaller id is first in the DAG order.
    expect(await height(db, a1)).toBe(await height(db, b1))
    const tableWins = a1 < b1
    const check = async (d: Database) => {
      if (tableWins) {
        const rows = await (await d.getStore('y', Table<Row>)).entries()
        expect(rows.map(([, r]) => r.title).sort()).toEqual(['A again', 'from A'])
        expect(rows.some(([id]) => id === rowId)).toBe(true)
        await expectCode(d.getStore('y', DocStore), 'TYPE_MISMATCH')
      } else {
        expect(await (await d.getStore('y', DocStore)).toJSON()).toEqual({ k: 'from B', k2: 'B again' })
        await expectCode(d.getStore('y', Table<Row>), 'TYPE_MISMATCH')
      }
    }
    await check(db)
    // A merge commit writes on under the winning type.
    const tm = await db.newTransaction()
    if (tableWins) await (await tm.getStore('y', Table<Row>)).insert({ title: 'merged' })
    else await (await tm.getStore('y', DocStore)).set('m', 'merged')
    await tm.commit()
    // Replicas receiving the entries in either order agree.
    for (const reverse of [false, true]) {
      const engine = newEngine()
      const entries = await db.getAllEntries()
      for (const e of reverse ? [...entries].reverse() : entries) await engine.receiveEntries([e])
      const replica = await Database.open(engine, db.id)
      if (tableWins) {
        const titles = (await (await replica.getStore('y', Table<Row>)).entries()).map(([, r]) => r.title).sort()
        expect(titles).toEqual(['A again', 'from A', 'merged'])
      } else {
        expect(await (await replica.getStore('y', DocStore)).toJSON()).toEqual({ k: 'from B', k2: 'B again', m: 'merged' })
      }
    }
  })

  it('a registration read after an await is the one at the tips asked for, whatever a concurrent receive does meanwhile', async () => {
    const { db } = await setup()
    const free = (await db.getTips())[0]!
    // An entry that registers `y` as a DocStore after `free`.
    const later: { id: Id; entry: import('@engram/database').Entry }[] = []
    {
      const t = await db.newTransactionAt([free])
      await (await t.getStore('y', DocStore)).set('k', 1)
      const id = await t.commit()
      later.push({ id, entry: await db.engine.backend.get(id) })
    }
    // A fresh replica that has `free` only; each round races a Table read at `free` against receiving the registration.
    for (let round = 0; round < 150; round++) {
      const replicaEngine = newEngine()
      await replicaEngine.receiveEntries([{ id: free, entry: await db.engine.backend.get(free) }])
      const replica = await Database.open(replicaEngine, db.id)
      const spins = round % 7
      const read = (async () => {
        const txn = await replica.newTransactionAt([free])
        return txn.getStore('y', Table<Row>)
      })()
      const receive = (async () => {
        for (let i = 0; i < spins; i++) await Promise.resolve()
        await replicaEngine.receiveEntries(later)
      })()
      const [store] = await Promise.all([read, receive])
      expect(await store.entries()).toEqual([])
      // …and the answer at `free` stays right afterwards (nothing wrong was memoised).
      const again = await replica.newTransactionAt([free])
      expect(await (await again.getStore('y', Table<Row>)).entries()).toEqual([])
      await expectCode(replica.getStore('y', Table<Row>), 'TYPE_MISMATCH')
    }
  })
})
