/**
 * @module
 * Conformance cases for tips, store tips, heights and the ordered walks.
 */
import { expect, it } from 'vitest'
import { makeEntry, makeRoot } from './fixtures.js'
import { DIAMOND_HEIGHTS, S, dag, diamond, expectCode, idsOf, ordered, putAll, type WithBackend } from './helpers.js'

const MISSING = 'sha256:' + 'f'.repeat(64)

export function graphCases(use: WithBackend): void {
  it('an unknown or empty database has no tips, store tips or entries', use(async (b) => {
    expect(await b.getTips(MISSING)).toEqual([])
    expect(await b.getStoreTips(MISSING, S)).toEqual([])
    expect(await b.getTree(MISSING)).toEqual([])
    expect(await b.getStore(MISSING, S)).toEqual([])
    await expectCode(b.getHeight(MISSING, MISSING), 'ENTRY_NOT_FOUND')
  }))

  it('tips of a linear chain move to each new child', use(async (b) => {
    const d = dag([['R', []], ['A', ['R']], ['B', ['A']], ['C', ['B']]], 'linear')
    await b.put(d.id('R'), d.root.entry, 'verified')
    expect(await b.getTips(d.root.id)).toEqual([d.root.id])
    for (const name of ['A', 'B', 'C']) {
      await b.put(d.id(name), d.f(name).entry, 'verified')
      expect(await b.getTips(d.root.id)).toEqual([d.id(name)])
    }
  }))

  it('tips of a branching DAG are every branch end, in (height, id) order', use(async (b) => {
    const d = dag([['R', []], ['A', ['R']], ['B', ['A']], ['X', ['R']], ['Y', ['R']]], 'branch')
    await putAll(b, d.all)
    expect(await b.getTips(d.root.id)).toEqual(ordered(d, ['B', 'X', 'Y'], { B: 2, X: 1, Y: 1 }))
  }))

  it('tips of a diamond merge back to one', use(async (b) => {
    const d = diamond()
    await putAll(b, d.all.filter((f) => f.id !== d.id('D')))
    expect(await b.getTips(d.root.id)).toEqual(ordered(d, ['C', 'F'], DIAMOND_HEIGHTS))
    await b.put(d.id('D'), d.f('D').entry, 'verified')
    expect(await b.getTips(d.root.id)).toEqual([d.id('D')])
  }))

  it('getHeight gives the longest main-parent path (data-layer §6 diamond)', use(async (b) => {
    const d = diamond()
    await putAll(b, d.all)
    for (const [name, h] of Object.entries(DIAMOND_HEIGHTS)) expect(await b.getHeight(d.root.id, d.id(name))).toBe(h)
  }))

  it('getHeight of an unknown, unverified or foreign entry throws ENTRY_NOT_FOUND', use(async (b) => {
    const r = makeRoot('h-err')
    const other = makeRoot('h-other')
    const a = makeEntry(r.id, [r.id])
    await putAll(b, [r, other])
    await b.put(a.id, a.entry, 'unverified')
    await expectCode(b.getHeight(r.id, MISSING), 'ENTRY_NOT_FOUND')
    await expectCode(b.getHeight(r.id, a.id), 'ENTRY_NOT_FOUND')
    await expectCode(b.getHeight(r.id, other.id), 'ENTRY_NOT_FOUND')
  }))

  it('store tips follow store parents, not main parents', use(async (b) => {
    // Main chain R→A→B→C; in store s, B and C both build on A (concurrent store writes).
    const d = dag([['R', [], []], ['A', ['R'], ['R']], ['B', ['A'], ['A']], ['C', ['B'], ['A']]], 'st')
    await putAll(b, d.all)
    expect(await b.getTips(d.root.id)).toEqual([d.id('C')])
    expect(await b.getStoreTips(d.root.id, S)).toEqual(ordered(d, ['B', 'C'], { B: 2, C: 3 }))
  }))

  it('store tips ignore entries without the store and count nodes without data', use(async (b) => {
    const r = makeRoot('nodata', { s: { data: 'r' } })
    const a = makeEntry(r.id, [r.id], { s: { parents: [r.id], data: 'a' } }, 'a')
    const other = makeEntry(r.id, [a.id], { t: { data: 'only t' } }, 'other') // no s node
    const bare = makeEntry(r.id, [other.id], { s: { parents: [a.id] } }, 'bare') // s node, no data
    await putAll(b, [r, a, other])
    expect(await b.getStoreTips(r.id, 's')).toEqual([a.id])
    await b.put(bare.id, bare.entry, 'verified')
    expect(await b.getStoreTips(r.id, 's')).toEqual([bare.id])
    expect(await b.getStoreTips(r.id, 't')).toEqual([other.id])
    expect(await b.getStoreTips(r.id, 'absent')).toEqual([])
  }))

  it('store tips are kept per store when one entry touches several stores', use(async (b) => {
    const r = makeRoot('multi')
    const a = makeEntry(r.id, [r.id], { x: { data: '1' }, y: { data: '1' } }, 'a')
    const c = makeEntry(r.id, [a.id], { x: { parents: [a.id], data: '2' } }, 'c')
    const e = makeEntry(r.id, [c.id], { y: { parents: [a.id], data: '2' }, z: { data: '1' } }, 'e')
    await putAll(b, [r, a, c, e])
    expect(await b.getStoreTips(r.id, 'x')).toEqual([c.id])
    expect(await b.getStoreTips(r.id, 'y')).toEqual([e.id])
    expect(await b.getStoreTips(r.id, 'z')).toEqual([e.id])
  }))

  it('getStoreTipsUpTo limits store tips to the history of the given entries', use(async (b) => {
    // R→A→B (s: A, B), R→X (s: X) ; M merges B and X.
    const d = dag(
      [['R', []], ['A', ['R'], []], ['B', ['A'], ['A']], ['X', ['R'], []], ['N', ['X']], ['M', ['B', 'N'], ['B', 'X']]],
      'upto',
    )
    await putAll(b, d.all)
    const tree = d.root.id
    expect(await b.getStoreTipsUpTo(tree, S, [])).toEqual([])
    expect(await b.getStoreTipsUpTo(tree, S, [d.id('A')])).toEqual([d.id('A')])
    expect(await b.getStoreTipsUpTo(tree, S, [d.id('B')])).toEqual([d.id('B')])
    expect(await b.getStoreTipsUpTo(tree, S, [d.id('N')])).toEqual([d.id('X')])
    expect(await b.getStoreTipsUpTo(tree, S, [d.id('B'), d.id('N')])).toEqual(ordered(d, ['X', 'B'], { X: 1, B: 2 }))
    expect(await b.getStoreTipsUpTo(tree, S, [d.id('M')])).toEqual([d.id('M')])
    expect(await b.getStoreTipsUpTo(tree, S, await b.getTips(tree))).toEqual(await b.getStoreTips(tree, S))
    expect(await b.getStoreTipsUpTo(tree, S, [d.id('R')])).toEqual([])
  }))

  it('getStoreTipsUpTo with an unknown main id throws ENTRY_NOT_FOUND', use(async (b) => {
    const d = diamond('upto-err')
    await putAll(b, d.all)
    await expectCode(b.getStoreTipsUpTo(d.root.id, S, [d.id('A'), MISSING]), 'ENTRY_NOT_FOUND')
  }))

  it('getTree lists every verified entry in (height, id) order', use(async (b) => {
    const d = diamond('tree')
    await putAll(b, d.all)
    expect(idsOf(d, await b.getTree(d.root.id))).toEqual(ordered(d, Object.keys(DIAMOND_HEIGHTS), DIAMOND_HEIGHTS))
  }))

  it('getTreeFromTips walks main parents from the tips, tips included, ordered', use(async (b) => {
    const d = diamond('fromtips')
    await putAll(b, d.all)
    const tree = d.root.id
    expect(idsOf(d, await b.getTreeFromTips(tree, [d.id('C')]))).toEqual(ordered(d, ['R', 'A', 'B', 'C'], DIAMOND_HEIGHTS))
    expect(idsOf(d, await b.getTreeFromTips(tree, [d.id('B'), d.id('F')]))).toEqual(
      ordered(d, ['R', 'A', 'E', 'B', 'F'], DIAMOND_HEIGHTS),
    )
    expect(await b.getTreeFromTips(tree, [])).toEqual([])
    await expectCode(b.getTreeFromTips(tree, [MISSING]), 'ENTRY_NOT_FOUND')
  }))

  it('getStore lists the entries holding the store, ordered by tree height', use(async (b) => {
    // Store s skips A: its store heights would differ from tree heights.
    const d = dag([['R', []], ['A', ['R']], ['B', ['A'], []], ['X', ['R'], []], ['C', ['B', 'X'], ['B', 'X']]], 'getstore')
    await putAll(b, d.all)
    expect(idsOf(d, await b.getStore(d.root.id, S))).toEqual(ordered(d, ['X', 'B', 'C'], { X: 1, B: 2, C: 3 }))
    expect(await b.getStore(d.root.id, 'absent')).toEqual([])
  }))

  it('getStoreFromTips walks store parents from the tips, ordered', use(async (b) => {
    const d = dag(
      [['R', [], []], ['A', ['R'], ['R']], ['B', ['A']], ['C', ['B'], ['A']], ['X', ['R'], ['R']], ['M', ['C', 'X'], ['C', 'X']]],
      'storefromtips',
    )
    await putAll(b, d.all)
    const tree = d.root.id
    const h = { R: 0, A: 1, X: 1, B: 2, C: 3, M: 4 }
    expect(idsOf(d, await b.getStoreFromTips(tree, S, [d.id('C')]))).toEqual(ordered(d, ['R', 'A', 'C'], h))
    expect(idsOf(d, await b.getStoreFromTips(tree, S, [d.id('M')]))).toEqual(ordered(d, ['R', 'A', 'X', 'C', 'M'], h))
    expect(idsOf(d, await b.getStoreFromTips(tree, S, [d.id('B'), d.id('X')]))).toEqual(ordered(d, ['R', 'X'], h))
    await expectCode(b.getStoreFromTips(tree, S, [MISSING]), 'ENTRY_NOT_FOUND')
  }))
}
