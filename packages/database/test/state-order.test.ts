/**
 * DECISIONS 3 at merges: the state at any tip set is the fold of its whole
 * history in the one DAG order (height, then id). Merging from the common
 * ancestor is only a shortcut, valid when every entry above it sorts after
 * it; a shallow entry merged in late must not override a deeper concurrent
 * write, and an unrelated concurrent commit must not flip a value.
 */
import { describe, expect, it } from 'vitest'
import { DocStore, type Database, type Id } from '@engram/database'
import { setup } from './helpers.js'

async function put(db: Database, tips: Id[], values: Record<string, string>): Promise<Id> {
  const txn = await db.newTransactionAt(tips)
  const s = await txn.getStore('s', DocStore)
  for (const [k, v] of Object.entries(values)) await s.set(k, v)
  return txn.commit()
}

async function readAt(db: Database, tips: Id[], key: string): Promise<unknown> {
  const txn = await db.newTransactionAt(tips)
  return (await txn.getStore('s', DocStore)).get(key)
}

describe('state order across merges', () => {
  it('a shallow write merged late loses to a deeper concurrent write, at every tip set', async () => {
    const { db } = await setup()
    const root = db.id
    // X: a chain of five writes to k (heights 1..5); Y: one write to k at height 1, concurrent with all of X.
    let x = root
    for (let i = 1; i <= 5; i++) x = await put(db, [x], { k: `x${i}` })
    const y = await put(db, [root], { k: 'y' })
    const l = await put(db, [x], { l: '1' }) // height 6, above X only
    const a = await put(db, [l, y], { a: '1' }) // merges Y in
    expect(await readAt(db, [a], 'k')).toBe('x5')
    const b = await put(db, [l], { b: '1' }) // concurrent with A, knows nothing of Y
    expect(await readAt(db, [b], 'k')).toBe('x5')
    // Tips {A, B}: their common ancestor L is deeper than Y, which only A brought in.
    expect(new Set(await db.getTips())).toEqual(new Set([a, b]))
    expect(await (await db.getStore('s', DocStore)).get('k')).toBe('x5')
    expect(await readAt(db, [a, b], 'k')).toBe('x5')
    const merged = await put(db, [a, b], { m: '1' })
    expect(await readAt(db, [merged], 'k')).toBe('x5')
    expect(await (await db.getStore('s', DocStore)).toJSON()).toEqual({ k: 'x5', l: '1', a: '1', b: '1', m: '1' })
  })
})

describe('state equals the fold of history in the one DAG order (property)', () => {
  it('for random DAGs of writes, deletes and merges', async () => {
    const { Doc } = await import('@engram/database')
    const fc = (await import('fast-check')).default
    const op = fc.record({
      parents: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
      key: fc.constantFrom('a', 'b', 'c'),
      value: fc.option(fc.constantFrom('1', '2', '3'), { nil: undefined }),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        const { db } = await setup()
        const ids: Id[] = [db.id]
        for (const o of ops) {
          const tips = [...new Set(o.parents.map((p) => ids[p % ids.length]!))]
          const txn = await db.newTransactionAt(tips)
          const s = await txn.getStore('s', DocStore)
          if (o.value === undefined) await s.delete(o.key)
          else await s.set(o.key, o.value)
          ids.push(await txn.commit())
        }
        let folded = new Doc()
        for (const { entry } of await db.getAllEntries()) {
          const node = entry.subtrees.find((n) => n.name === 's')
          if (node?.data !== undefined) folded = folded.absorb(Doc.decode(node.data))
        }
        expect(await (await db.getStore('s', DocStore)).toJSON()).toEqual(folded.toJSON())
      }),
      { numRuns: 60 },
    )
  })
})
