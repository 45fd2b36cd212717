/**
 * Views are snapshots by structural sharing (issue 13): taking one copies
 * nothing, and nothing done afterwards — commits at any tips, transactions
 * reading their own writes, merges — changes what it shows. Every view, and
 * every read inside a transaction, is checked against a plain fold of the
 * history at its tips in the one DAG order (DECISIONS 3).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Doc, DocStore, Table, type Database, type Entry, type Id, type Transaction } from '@engram/database'
import { setup } from './helpers.js'

/** The state of store `s` at `tips`: every entry in their history, folded in (height, id) order from an empty Doc. */
async function plainFold(db: Database, tips: readonly Id[]): Promise<Doc> {
  const all = await db.getAllEntries()
  const byId = new Map<Id, Entry>(all.map((e) => [e.id, e.entry]))
  const history = new Set<Id>()
  const stack = [...tips]
  while (stack.length > 0) {
    const id = stack.pop()!
    if (history.has(id)) continue
    history.add(id)
    stack.push(...byId.get(id)!.tree.parents)
  }
  let folded = new Doc()
  for (const { id, entry } of all) {
    if (!history.has(id)) continue
    const node = entry.subtrees.find((n) => n.name === 's')
    if (node?.data !== undefined) folded = folded.absorb(Doc.decode(node.data))
  }
  return folded
}

const KEYS = ['a', 'b', 'c', 'd'] as const
type Write = { kind: 'set'; key: string; value: string } | { kind: 'setPath'; key: string; leaf: string; value: string } | { kind: 'delete'; key: string }

const write: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom(...KEYS), value: fc.constantFrom('1', '2', '3') }),
  fc.record({ kind: fc.constant('setPath' as const), key: fc.constantFrom(...KEYS), leaf: fc.constantFrom('x', 'y'), value: fc.constantFrom('4', '5') }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS) }),
)

async function applyWrite(store: DocStore, staged: Doc, w: Write): Promise<void> {
  if (w.kind === 'set') {
    await store.set(w.key, w.value)
    staged.set(w.key, w.value)
  } else if (w.kind === 'setPath') {
    await store.setPath(`${w.key}.${w.leaf}`, w.value)
    staged.setPath(`${w.key}.${w.leaf}`, w.value)
  } else {
    await store.delete(w.key)
    staged.delete(w.key)
  }
}

type Step =
  | { kind: 'commit'; parents: number[]; writes: Write[] } // a one-shot transaction at some known entries (0 = current tips)
  | { kind: 'view' }
  | { kind: 'open'; parents: number[] }
  | { kind: 'stage'; txn: number; w: Write; read: (typeof KEYS)[number] }
  | { kind: 'commitOpen'; txn: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('commit' as const), parents: fc.array(fc.nat(), { maxLength: 2 }), writes: fc.array(write, { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('view' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('open' as const), parents: fc.array(fc.nat(), { maxLength: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('stage' as const), txn: fc.nat(), w: write, read: fc.constantFrom(...KEYS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('commitOpen' as const), txn: fc.nat() }) },
)

interface Open {
  txn: Transaction
  tips: Id[]
  store: DocStore
  staged: Doc
}

describe('views, transactions and commits interleaved (property)', () => {
  it('every view shows the plain fold at its tips, before and after everything that follows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 24 }), async (steps) => {
        const { db } = await setup()
        const ids: Id[] = [db.id]
        const views: { view: DocStore; tips: Id[]; json: unknown }[] = []
        const open: Open[] = []
        const tipsFor = async (picks: number[]): Promise<Id[]> =>
          picks.length === 0 || picks.includes(0) ? db.getTips() : [...new Set(picks.map((p) => ids[p % ids.length]!))]
        for (const s of steps) {
          if (s.kind === 'commit') {
            const txn = await db.newTransactionAt(await tipsFor(s.parents))
            const store = await txn.getStore('s', DocStore)
            for (const w of s.writes) await applyWrite(store, new Doc(), w)
            ids.push(await txn.commit())
          } else if (s.kind === 'view') {
            const tips = await db.getTips()
            const view = await db.getStore('s', DocStore)
            const json = (await plainFold(db, tips)).toJSON()
            expect(await view.toJSON()).toEqual(json)
            views.push({ view, tips, json })
          } else if (s.kind === 'open') {
            const tips = await tipsFor(s.parents)
            const txn = await db.newTransactionAt(tips)
            open.push({ txn, tips, store: await txn.getStore('s', DocStore), staged: new Doc() })
          } else if (open.length > 0) {
            const o = open[s.txn % open.length]!
            if (s.kind === 'stage') {
              await applyWrite(o.store, o.staged, s.w)
              // Read-your-writes: the fold at the transaction's tips with its staged changes laid over.
              const expected = (await plainFold(db, o.tips)).merge(o.staged)
              expect(await o.store.get(s.read)).toEqual(expected.get(s.read))
              expect(await o.store.get(s.w.key)).toEqual(expected.get(s.w.key))
              expect(await o.store.getPath(`${s.w.key}.x`)).toEqual(expected.getPath(`${s.w.key}.x`))
              expect(await o.store.toJSON()).toEqual(expected.toJSON())
            } else {
              ids.push(await o.txn.commit())
              open.splice(open.indexOf(o), 1)
            }
          }
        }
        for (const o of open) ids.push(await o.txn.commit())
        // Nothing after a view changed it; a fresh view shows the fold at the final tips.
        for (const { view, tips, json } of views) {
          expect(await view.toJSON()).toEqual(json)
          expect((await plainFold(db, tips)).toJSON()).toEqual(json)
          for (const k of KEYS) expect(await view.get(k)).toEqual((json as Record<string, unknown>)[k])
        }
        expect(await (await db.getStore('s', DocStore)).toJSON()).toEqual((await plainFold(db, await db.getTips())).toJSON())
      }),
      { numRuns: 120 },
    )
  })
})

describe('read-your-writes inside a transaction', () => {
  it('an insert-then-get loop on a large Table reads each row and leaves the committed state as it was', async () => {
    const { db } = await setup()
    const fill = await db.newTransaction()
    const rows = await fill.getStore('rows', Table<{ n: number }>)
    for (let i = 0; i < 2000; i++) await rows.insert({ n: i })
    await fill.commit()
    const before = await db.getStore('rows', Table<{ n: number }>)
    const txn = await db.newTransaction()
    const table = await txn.getStore('rows', Table<{ n: number }>)
    for (let i = 0; i < 100; i++) {
      const id = await table.insert({ n: -i - 1 })
      expect(await table.get(id)).toEqual({ n: -i - 1 })
    }
    expect(await table.size()).toBe(2100)
    expect(await before.size()).toBe(2000)
    await txn.commit()
    expect(await before.size()).toBe(2000)
    expect(await (await db.getStore('rows', Table<{ n: number }>)).size()).toBe(2100)
  })
})
