import { describe, expect, it } from 'vitest'
import { compareByHeightThenId, computeHeights, graphText, skeletonFromGraphText, snapshotSource, storedSkeleton, tips, type Entry } from '../src/index.js'

const id = (c: string) => 'sha256:' + c.repeat(64)
const node = (parents: string[]): Entry => ({ tree: { root: id('0'), parents, metadata: null }, subtrees: [], sig: { sig: null, key: '' } })

describe('shared graph helpers', () => {
  it('computeHeights gives longest paths and ignores links to absent parents', () => {
    const m = new Map<string, Entry>([
      [id('a'), node([id('9')])], // parent absent
      [id('b'), node([id('a')])],
      [id('c'), node([id('a'), id('b')])],
    ])
    expect(Object.fromEntries(computeHeights(m))).toEqual({ [id('a')]: 0, [id('b')]: 1, [id('c')]: 2 })
    expect(tips(snapshotSource(m))).toEqual([id('c')])
  })

  it('a cycle (only possible with unchecked ids) is INVALID_ENTRY, not a hang', () => {
    const m = new Map<string, Entry>([
      [id('a'), node([id('b')])],
      [id('b'), node([id('a')])],
    ])
    let caught: unknown
    try {
      computeHeights(m)
    } catch (err) {
      caught = err
    }
    expect((caught as { code?: string }).code).toBe('INVALID_ENTRY')
  })

  it('compareByHeightThenId orders by height, then id', () => {
    const list = [
      { height: 2, id: id('a') },
      { height: 1, id: id('c') },
      { height: 1, id: id('b') },
    ]
    expect(list.sort(compareByHeightThenId).map((x) => x.id)).toEqual([id('b'), id('c'), id('a')])
  })
})

describe('stored graph records', () => {
  it('a record round-trips to the skeleton of its entry', () => {
    const entry: Entry = { tree: { root: id('r'), parents: [id('a')], metadata: null }, subtrees: [{ name: 'a', parents: [id('a')] }, { name: 'b', parents: [] }], sig: { sig: null, key: '' } }
    expect(skeletonFromGraphText(graphText(entry), id('r'))).toEqual(entry)
  })

  it('store names out of order or repeated (only a damaged record has them) → INVALID_ENTRY, which backends report as CORRUPT_STORE', () => {
    for (const stores of [[['b', []], ['a', []]], [['a', []], ['a', []]]]) {
      const text = JSON.stringify([[id('a')], stores])
      expect(() => skeletonFromGraphText(text, id('r'))).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
      expect(() => storedSkeleton('file', text, id('r'))).toThrow(expect.objectContaining({ code: 'CORRUPT_STORE' }))
    }
  })
})
