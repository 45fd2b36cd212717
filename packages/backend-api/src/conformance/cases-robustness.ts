/**
 * @module
 * Conformance cases for visibility (only verified entries count), arrival
 * order (children before parents), isolation of databases and concurrency.
 */
import { expect, it } from 'vitest'
import { makeEntry, makeRoot, type Fixture } from './fixtures.js'
import {
  DIAMOND_HEIGHTS,
  S,
  dag,
  diamond,
  expectCode,
  graphAnswers,
  ordered,
  putAll,
  shuffled,
  type FreshBackend,
  type WithBackend,
} from './helpers.js'

export function robustnessCases(use: WithBackend, fresh: FreshBackend): void {
  it('unverified entries are invisible to graph queries until verified', use(async (b) => {
    const d = diamond('unverified')
    await putAll(b, d.all.filter((f) => f.id !== d.id('D')))
    await b.put(d.id('D'), d.f('D').entry, 'unverified')
    const tree = d.root.id
    expect(await b.getTips(tree)).toEqual(ordered(d, ['C', 'F'], DIAMOND_HEIGHTS))
    expect(await b.getStoreTips(tree, S)).toEqual(ordered(d, ['C', 'F'], DIAMOND_HEIGHTS))
    expect((await b.getTree(tree)).length).toBe(6)
    await expectCode(b.getHeight(tree, d.id('D')), 'ENTRY_NOT_FOUND')
    await expectCode(b.getTreeFromTips(tree, [d.id('D')]), 'ENTRY_NOT_FOUND')
    expect(await b.get(d.id('D'))).toEqual(d.f('D').entry) // still stored
    await b.setStatus(d.id('D'), 'verified')
    expect(await b.getTips(tree)).toEqual([d.id('D')])
    expect(await b.getStoreTips(tree, S)).toEqual([d.id('D')])
    expect(await b.getHeight(tree, d.id('D'))).toBe(4)
  }))

  it('failed entries never count, and a verified entry that fails leaves the graph', use(async (b) => {
    const d = diamond('failed')
    const tree = d.root.id
    await putAll(b, d.all.filter((f) => f.id !== d.id('D')))
    await b.put(d.id('D'), d.f('D').entry, 'failed')
    expect(await b.getTips(tree)).toEqual(ordered(d, ['C', 'F'], DIAMOND_HEIGHTS))
    // C fails after the fact: B is a tip again, and D's path through C is gone.
    await b.setStatus(d.id('C'), 'failed')
    expect(await b.getTips(tree)).toEqual(ordered(d, ['B', 'F'], DIAMOND_HEIGHTS))
    expect(await b.getStoreTips(tree, S)).toEqual(ordered(d, ['B', 'F'], DIAMOND_HEIGHTS))
    await b.setStatus(d.id('D'), 'verified')
    expect(await b.getTips(tree)).toEqual(ordered(d, ['B', 'D'], { B: 2, D: 3 })) // D's link to C does not count
    expect(await b.getHeight(tree, d.id('D'))).toBe(3) // via F only: R, E, F, D
    await b.setStatus(d.id('C'), 'verified')
    expect(await b.getTips(tree)).toEqual([d.id('D')])
    expect(await b.getHeight(tree, d.id('D'))).toBe(4)
  }))

  it('links to absent or unverified parents are ignored for tips and heights', use(async (b) => {
    const d = dag([['R', [], []], ['A', ['R'], ['R']], ['B', ['A'], ['A']], ['C', ['B'], ['B']]], 'orphan')
    const tree = d.root.id
    await putAll(b, [d.root, d.f('C')])
    await b.put(d.id('A'), d.f('A').entry, 'unverified')
    expect(await b.getTips(tree)).toEqual(ordered(d, ['R', 'C'], { R: 0, C: 0 }))
    expect(await b.getHeight(tree, d.id('C'))).toBe(0)
    expect(await b.findLca(tree, S, [d.id('R'), d.id('C')]).catch((e: { code: string }) => e.code)).toBe('NO_COMMON_ANCESTOR')
    await b.put(d.id('B'), d.f('B').entry, 'verified')
    expect(await b.getHeight(tree, d.id('C'))).toBe(1)
    await b.setStatus(d.id('A'), 'verified')
    expect(await b.getTips(tree)).toEqual([d.id('C')])
    expect(await b.getHeight(tree, d.id('C'))).toBe(3)
    expect(await b.findLca(tree, S, [d.id('R'), d.id('C')])).toBe(d.id('R'))
  }))

  it('children arriving before their parents give the same tips and heights', use(async (b) => {
    const d = diamond('reverse')
    const tree = d.root.id
    await putAll(b, [...d.all].reverse())
    expect(await b.getTips(tree)).toEqual([d.id('D')])
    expect(await b.getStoreTips(tree, S)).toEqual([d.id('D')])
    for (const [name, h] of Object.entries(DIAMOND_HEIGHTS)) expect(await b.getHeight(tree, d.id(name))).toBe(h)
  }))

  it('every query answers the same whatever the arrival order', use(async (b) => {
    const d = diamond('orders')
    await putAll(b, d.all)
    const expected = await graphAnswers(b, d)
    for (const seed of [1, 2, 3]) {
      const order = shuffled(d.all, seed)
      const other = await fresh()
      try {
        await putAll(other.backend, order)
        expect(await graphAnswers(other.backend, d)).toEqual(expected)
      } finally {
        await other.dispose()
      }
    }
  }))

  it('LCA and paths are right when children arrive first', use(async (b) => {
    const d = crissCrossWithTail('late-parents')
    const tree = d.root.id
    await putAll(b, [...d.all].reverse())
    const smaller = d.id('A') < d.id('B') ? d.id('A') : d.id('B')
    expect(await b.findLca(tree, S, [d.id('C'), d.id('D')])).toBe(smaller)
    expect(await b.getPathFromTo(tree, S, d.id('R'), [d.id('T')])).toEqual(
      ordered(d, ['A', 'B', 'C', 'D', 'T'], { A: 1, B: 1, C: 2, D: 2, T: 3 }),
    )
  }))

  it('two databases in one backend are kept apart', use(async (b) => {
    const d1 = diamond('apart-1')
    const d2 = dag([['R', [], []], ['A', ['R'], ['R']]], 'apart-2')
    await putAll(b, [...d1.all, ...d2.all])
    expect(await b.getTips(d1.root.id)).toEqual([d1.id('D')])
    expect(await b.getTips(d2.root.id)).toEqual([d2.id('A')])
    expect((await b.getTree(d1.root.id)).length).toBe(7)
    expect((await b.getTree(d2.root.id)).length).toBe(2)
    expect(await b.getStoreTips(d2.root.id, S)).toEqual([d2.id('A')])
    await expectCode(b.getHeight(d2.root.id, d1.id('D')), 'ENTRY_NOT_FOUND')
    await expectCode(b.getTreeFromTips(d1.root.id, [d2.id('A')]), 'ENTRY_NOT_FOUND')
    expect((await b.rootIds()).sort()).toEqual([d1.root.id, d2.root.id].sort())
  }))

  it('200 concurrent puts all land, with right tips and heights', use(async (b) => {
    const r = makeRoot('concurrent')
    const chain: Fixture[] = []
    let prev = r.id
    for (let i = 0; i < 100; i++) {
      const f = makeEntry(r.id, [prev], { [S]: { parents: i === 0 ? [] : [chain[i - 1]!.id], data: String(i) } }, i)
      chain.push(f)
      prev = f.id
    }
    const side = Array.from({ length: 99 }, (_, i) => makeEntry(r.id, [chain[i]!.id], {}, `side-${i}`))
    const all = [r, ...chain, ...side]
    expect(all.length).toBe(200)
    await Promise.all(shuffled(all, 7).map((f) => b.put(f.id, f.entry, 'verified')))
    expect((await b.idsByStatus('verified')).length).toBe(200)
    // chain[i] has height i + 1, side[i] height i + 2: the tips are the chain end and every side branch.
    const expected = [{ id: chain[99]!.id, h: 100 }, ...side.map((f, i) => ({ id: f.id, h: i + 2 }))]
      .sort((x, y) => x.h - y.h || (x.id < y.id ? -1 : 1))
      .map((x) => x.id)
    expect(await b.getTips(r.id)).toEqual(expected)
    expect(await b.getHeight(r.id, chain[99]!.id)).toBe(100)
    expect(await b.getStoreTips(r.id, S)).toEqual([chain[99]!.id])
  }))

  it('concurrent re-puts of one entry store it once', use(async (b) => {
    const r = makeRoot('reput-concurrent')
    const a = makeEntry(r.id, [r.id])
    await Promise.all([r, a, r, a, a, r].map((f) => b.put(f.id, f.entry, 'verified')))
    expect((await b.treeEntryIds(r.id)).sort()).toEqual([r.id, a.id].sort())
    expect(await b.getTips(r.id)).toEqual([a.id])
    expect(await b.getTree(r.id)).toHaveLength(2)
  }))
}

const crissCrossWithTail = (seed: string) =>
  dag(
    [['R', [], []], ['A', ['R'], ['R']], ['B', ['R'], ['R']], ['C', ['A', 'B'], ['A', 'B']], ['D', ['A', 'B'], ['A', 'B']], ['T', ['C', 'D'], ['C', 'D']]],
    seed,
  )
