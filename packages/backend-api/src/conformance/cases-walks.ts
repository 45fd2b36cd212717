/**
 * @module
 * Conformance cases for LCA and paths in a store's DAG.
 */
import { expect, it } from 'vitest'
import { makeEntry, makeRoot } from './fixtures.js'
import { DIAMOND_HEIGHTS, S, dag, diamond, expectCode, ordered, putAll, type WithBackend } from './helpers.js'

const MISSING = 'sha256:' + 'e'.repeat(64)

/** Criss-cross: R→A, R→B, and both C and D merge A and B. A and B are both "lowest" common ancestors of C and D. */
const crissCross = (seed: string) =>
  dag([['R', [], []], ['A', ['R'], ['R']], ['B', ['R'], ['R']], ['C', ['A', 'B'], ['A', 'B']], ['D', ['A', 'B'], ['A', 'B']]], seed)

export function walkCases(use: WithBackend): void {
  it('findLca of two branches is their fork point', use(async (b) => {
    const d = diamond('lca')
    await putAll(b, d.all)
    expect(await b.findLca(d.root.id, S, [d.id('C'), d.id('F')])).toBe(d.id('R'))
    expect(await b.findLca(d.root.id, S, [d.id('B'), d.id('C')])).toBe(d.id('B'))
    expect(await b.findLca(d.root.id, S, [d.id('C'), d.id('F'), d.id('D')])).toBe(d.id('R'))
  }))

  it('findLca of one id, or of an entry and its descendant, is the ancestor itself', use(async (b) => {
    const d = diamond('lca-self')
    await putAll(b, d.all)
    expect(await b.findLca(d.root.id, S, [d.id('B')])).toBe(d.id('B'))
    expect(await b.findLca(d.root.id, S, [d.id('A'), d.id('D')])).toBe(d.id('A'))
    expect(await b.findLca(d.root.id, S, [d.id('D'), d.id('D')])).toBe(d.id('D'))
  }))

  it('findLca picks the deepest common ancestor, ties to the smallest id', use(async (b) => {
    const d = crissCross('criss')
    await putAll(b, d.all)
    const smaller = d.id('A') < d.id('B') ? d.id('A') : d.id('B')
    expect(await b.findLca(d.root.id, S, [d.id('C'), d.id('D')])).toBe(smaller)
    expect(await b.findLca(d.root.id, S, [d.id('D'), d.id('C')])).toBe(smaller)
  }))

  it('findLca follows store parents, not main parents', use(async (b) => {
    // Main: R→A→B→C. Store s: A and C both start from R; B is not in s.
    const d = dag([['R', [], []], ['A', ['R'], ['R']], ['B', ['A']], ['C', ['B'], ['R']]], 'lca-store')
    await putAll(b, d.all)
    expect(await b.findLca(d.root.id, S, [d.id('A'), d.id('C')])).toBe(d.id('R'))
  }))

  it('findLca errors: EMPTY_ENTRY_LIST, ENTRY_NOT_FOUND, NO_COMMON_ANCESTOR', use(async (b) => {
    // Two independent starts of store s (no store parents): no common ancestor.
    const d = dag([['R', []], ['A', ['R'], []], ['B', ['R'], []], ['N', ['R']]], 'lca-err')
    await putAll(b, d.all)
    const tree = d.root.id
    await expectCode(b.findLca(tree, S, []), 'EMPTY_ENTRY_LIST')
    await expectCode(b.findLca(tree, S, [d.id('A'), MISSING]), 'ENTRY_NOT_FOUND')
    await expectCode(b.findLca(tree, S, [d.id('A'), d.id('N')]), 'ENTRY_NOT_FOUND') // N holds no s node
    await expectCode(b.findLca(tree, S, [d.id('A'), d.id('B')]), 'NO_COMMON_ANCESTOR')
  }))

  it('getPathFromTo on a chain gives the entries after from up to to', use(async (b) => {
    const d = dag([['R', [], []], ['A', ['R'], ['R']], ['B', ['A'], ['A']], ['C', ['B'], ['B']], ['D', ['C'], ['C']]], 'path')
    await putAll(b, d.all)
    const h = { R: 0, A: 1, B: 2, C: 3, D: 4 }
    expect(await b.getPathFromTo(d.root.id, S, d.id('A'), [d.id('D')])).toEqual(ordered(d, ['B', 'C', 'D'], h))
    expect(await b.getPathFromTo(d.root.id, S, d.id('A'), [d.id('A')])).toEqual([])
    expect(await b.getPathFromTo(d.root.id, S, d.id('D'), [d.id('B')])).toEqual([])
    expect(await b.getPathFromTo(d.root.id, S, d.id('R'), [])).toEqual([])
  }))

  it('getPathFromTo from the LCA to several tips covers both branches in (height, id) order', use(async (b) => {
    const d = diamond('path-merge')
    await putAll(b, d.all)
    const tree = d.root.id
    const lca = await b.findLca(tree, S, [d.id('C'), d.id('F')])
    expect(await b.getPathFromTo(tree, S, lca, [d.id('C'), d.id('F')])).toEqual(ordered(d, ['A', 'E', 'B', 'F', 'C'], DIAMOND_HEIGHTS))
    expect(await b.getPathFromTo(tree, S, d.id('B'), [d.id('D')])).toEqual(ordered(d, ['E', 'F', 'C', 'D'], DIAMOND_HEIGHTS))
  }))

  it('getPathFromTo leaves out every ancestor of from, even one reached by another route', use(async (b) => {
    // R→A→B and R→C; M merges B and C. From A to M: B, C, M — not R, although C reaches R.
    const d = dag([['R', [], []], ['A', ['R'], ['R']], ['B', ['A'], ['A']], ['C', ['R'], ['R']], ['M', ['B', 'C'], ['B', 'C']]], 'path-route')
    await putAll(b, d.all)
    expect(await b.getPathFromTo(d.root.id, S, d.id('A'), [d.id('M')])).toEqual(ordered(d, ['C', 'B', 'M'], { C: 1, B: 2, M: 3 }))
  }))

  it('getPathFromTo with an unknown from or to throws ENTRY_NOT_FOUND', use(async (b) => {
    const d = diamond('path-err')
    await putAll(b, d.all)
    await expectCode(b.getPathFromTo(d.root.id, S, MISSING, [d.id('D')]), 'ENTRY_NOT_FOUND')
    await expectCode(b.getPathFromTo(d.root.id, S, d.id('A'), [MISSING]), 'ENTRY_NOT_FOUND')
  }))

  it('LCA and paths stay inside one database', use(async (b) => {
    const d1 = diamond('db-one')
    const d2 = diamond('db-two')
    await putAll(b, [...d1.all, ...d2.all])
    await expectCode(b.findLca(d1.root.id, S, [d1.id('C'), d2.id('F')]), 'ENTRY_NOT_FOUND')
    await expectCode(b.getPathFromTo(d1.root.id, S, d1.id('A'), [d2.id('D')]), 'ENTRY_NOT_FOUND')
    expect(await b.findLca(d2.root.id, S, [d2.id('C'), d2.id('F')])).toBe(d2.id('R'))
  }))

  it('LCA and paths stay right when a store link jumps to a higher entry of another branch', use(async (b) => {
    // Main: R→A→B→C and R→X→Y. In store s, X builds on C (tree height 3 above X's 1).
    const d = dag([['R', [], []], ['A', ['R'], ['R']], ['B', ['A'], ['A']], ['C', ['B'], ['B']], ['X', ['R'], ['C']], ['Y', ['X'], ['X']]], 'jump')
    await putAll(b, d.all)
    const tree = d.root.id
    const h = { R: 0, A: 1, X: 1, B: 2, Y: 2, C: 3 }
    expect(await b.findLca(tree, S, [d.id('Y'), d.id('C')])).toBe(d.id('C'))
    expect(await b.findLca(tree, S, [d.id('Y'), d.id('B')])).toBe(d.id('B'))
    expect(await b.getPathFromTo(tree, S, d.id('A'), [d.id('Y')])).toEqual(ordered(d, ['X', 'B', 'Y', 'C'], h))
    expect(await b.getPathFromTo(tree, S, d.id('C'), [d.id('Y')])).toEqual(ordered(d, ['X', 'Y'], h))
  }))

  it('a root entry with stores is part of its store DAGs', use(async (b) => {
    const r = makeRoot('root-store', { s: { data: 'init' } })
    const a = makeEntry(r.id, [r.id], { s: { parents: [r.id], data: 'a' } }, 'a')
    const c = makeEntry(r.id, [r.id], { s: { parents: [r.id], data: 'c' } }, 'c')
    await putAll(b, [r, a, c])
    expect(await b.findLca(r.id, 's', [a.id, c.id])).toBe(r.id)
    expect(await b.getPathFromTo(r.id, 's', r.id, [a.id, c.id])).toEqual([a.id, c.id].sort())
  }))
}
