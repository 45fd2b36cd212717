import { describe, expect, it } from 'vitest'
import {
  checkPut,
  sealEntry,
  entryId,
  entryTree,
  isRootEntry,
  validateEntry,
  validateEntryRules,
  validateEntryShape,
  ENTRY_LIMITS,
  type Entry,
} from '../src/index.js'
import { makeEntry, makeRoot } from '../src/conformance/index.js'

const A = 'sha256:' + 'a'.repeat(64)
const B = 'sha256:' + 'b'.repeat(64)

const good = (): Entry => ({
  tree: { root: A, parents: [A, B], metadata: null },
  subtrees: [{ name: 'a', parents: [B], data: 'x' }, { name: 'b', parents: [] }],
  sig: { sig: null, key: [{ key: 'p', tips: [A] }, { key: 'k', tips: null }] },
})

const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name
  }
  return undefined
}

describe('validateEntryShape', () => {
  it('accepts a well-formed entry and returns a normalised copy', () => {
    const input = good()
    const out = validateEntryShape(input)
    expect(out).toEqual(input)
    expect(out).not.toBe(input)
    const withNulls = { ...good(), subtrees: [{ name: 'a', parents: [], data: null }], sig: { sig: null, key: '', pubkey: null } }
    const norm = validateEntryShape(withNulls)
    expect('data' in norm.subtrees[0]!).toBe(false)
    expect('pubkey' in norm.sig).toBe(false)
  })

  const bad: [string, (e: any) => unknown][] = [
    ['not an object', () => 'entry'],
    ['an array', () => []],
    ['missing tree', (e) => ({ subtrees: e.subtrees, sig: e.sig })],
    ['unknown top-level field', (e) => ({ ...e, height: 3 })],
    ['root not a string', (e) => ({ ...e, tree: { ...e.tree, root: 5 } })],
    ['root not an id', (e) => ({ ...e, tree: { ...e.tree, root: 'sha256:XYZ' } })],
    ['uppercase hex parent', (e) => ({ ...e, tree: { ...e.tree, parents: ['sha256:' + 'A'.repeat(64)] } })],
    ['unsorted parents', (e) => ({ ...e, tree: { ...e.tree, parents: [B, A] } })],
    ['duplicate parents', (e) => ({ ...e, tree: { ...e.tree, parents: [A, A] } })],
    ['parents not an array', (e) => ({ ...e, tree: { ...e.tree, parents: A } })],
    ['metadata a number', (e) => ({ ...e, tree: { ...e.tree, metadata: 1 } })],
    ['metadata missing', (e) => ({ ...e, tree: { root: A, parents: [A] } })],
    ['subtrees not an array', (e) => ({ ...e, subtrees: {} })],
    ['subtree name not a string', (e) => ({ ...e, subtrees: [{ name: 1, parents: [] }] })],
    ['subtrees unsorted', (e) => ({ ...e, subtrees: [e.subtrees[1], e.subtrees[0]] })],
    ['subtrees duplicated', (e) => ({ ...e, subtrees: [e.subtrees[0], e.subtrees[0]] })],
    ['subtree parent not an id', (e) => ({ ...e, subtrees: [{ name: 'a', parents: [''] }] })],
    ['subtree data a number', (e) => ({ ...e, subtrees: [{ name: 'a', parents: [], data: 3 }] })],
    ['sig missing', (e) => ({ tree: e.tree, subtrees: e.subtrees })],
    ['sig.sig a number', (e) => ({ ...e, sig: { sig: 1, key: '' } })],
    ['sig.key a number', (e) => ({ ...e, sig: { sig: null, key: 1 } })],
    ['empty delegation path', (e) => ({ ...e, sig: { sig: null, key: [] } })],
    ['delegation step without tips', (e) => ({ ...e, sig: { sig: null, key: [{ key: 'k' }] } })],
    ['delegation tips not ids', (e) => ({ ...e, sig: { sig: null, key: [{ key: 'k', tips: ['x'] }] } })],
    ['pubkey a number', (e) => ({ ...e, sig: { sig: null, key: '*', pubkey: 7 } })],
  ]
  for (const [name, make] of bad)
    it(`rejects ${name} with INVALID_ENTRY`, () => {
      expect(code(() => validateEntryShape(make(good())))).toBe('INVALID_ENTRY')
    })
})

describe('entry size limits (DECISIONS 20), checked before any other work', () => {
  const ids = (n: number): string[] =>
    Array.from({ length: n }, (_, i) => 'sha256:' + i.toString(16).padStart(64, '0'))
  const names = (n: number): string[] => Array.from({ length: n }, (_, i) => 's' + String(i).padStart(6, '0'))
  const L = ENTRY_LIMITS
  const cases: [string, (e: Entry) => unknown, (e: Entry) => unknown][] = [
    [
      'main parents',
      (e) => ({ ...e, tree: { ...e.tree, parents: ids(L.maxParents) } }),
      (e) => ({ ...e, tree: { ...e.tree, parents: ids(L.maxParents + 1) } }),
    ],
    [
      'store parents',
      (e) => ({ ...e, subtrees: [{ name: 'a', parents: ids(L.maxParents) }] }),
      (e) => ({ ...e, subtrees: [{ name: 'a', parents: ids(L.maxParents + 1) }] }),
    ],
    [
      'delegated tips',
      (e) => ({ ...e, sig: { sig: null, key: [{ key: 'p', tips: ids(L.maxParents) }, { key: 'k', tips: null }] } }),
      (e) => ({ ...e, sig: { sig: null, key: [{ key: 'p', tips: ids(L.maxParents + 1) }, { key: 'k', tips: null }] } }),
    ],
    [
      'stores per entry',
      (e) => ({ ...e, subtrees: names(L.maxStores).map((name) => ({ name, parents: [] })) }),
      (e) => ({ ...e, subtrees: names(L.maxStores + 1).map((name) => ({ name, parents: [] })) }),
    ],
    [
      'store name length',
      (e) => ({ ...e, subtrees: [{ name: 'n'.repeat(L.maxNameLength), parents: [] }] }),
      (e) => ({ ...e, subtrees: [{ name: 'n'.repeat(L.maxNameLength + 1), parents: [] }] }),
    ],
    [
      'data and metadata size',
      (e) => ({ ...e, tree: { ...e.tree, metadata: 'm' }, subtrees: [{ name: 'a', parents: [], data: 'x'.repeat(L.maxDataLength - 1) }] }),
      (e) => ({ ...e, tree: { ...e.tree, metadata: 'mm' }, subtrees: [{ name: 'a', parents: [], data: 'x'.repeat(L.maxDataLength - 1) }] }),
    ],
    [
      'delegation steps',
      (e) => ({ ...e, sig: { sig: null, key: Array.from({ length: L.maxDelegationSteps }, () => ({ key: 'k', tips: null })) } }),
      (e) => ({ ...e, sig: { sig: null, key: Array.from({ length: L.maxDelegationSteps + 1 }, () => ({ key: 'k', tips: null })) } }),
    ],
  ]
  for (const [what, atLimit, overLimit] of cases)
    it(`${what}: the limit passes, one more is INVALID_ENTRY`, () => {
      expect(code(() => validateEntryShape(atLimit(good())))).toBeUndefined()
      expect(code(() => validateEntryShape(overLimit(good())))).toBe('INVALID_ENTRY')
    })

  it('a store name with a control character is INVALID_ENTRY', () => {
    for (const name of ['a\u0000', 'a\nb', '\u001f', 'a\u007f', '\u0085x', 'x\u009f'])
      expect(code(() => validateEntryShape({ ...good(), subtrees: [{ name, parents: [] }] }))).toBe('INVALID_ENTRY')
    for (const name of ['tâches', 'ユーザー', 'a b', '_settings'])
      expect(code(() => validateEntryShape({ ...good(), subtrees: [{ name, parents: [] }] }))).toBeUndefined()
  })
})

describe('validateEntryRules (data-layer §1.6)', () => {
  it('accepts roots and ordinary entries', () => {
    const r = makeRoot(1)
    expect(() => validateEntryRules(r.entry)).not.toThrow()
    expect(() => validateEntryRules(makeEntry(r.id, [r.id]).entry)).not.toThrow()
  })
  it('rejects a _root entry with parents', () => {
    const r = makeRoot(1).entry
    expect(code(() => validateEntryRules({ ...r, tree: { ...r.tree, parents: [A] } }))).toBe('INVALID_ENTRY')
  })
  it('rejects a root entry that names a database', () => {
    const r = makeRoot(1).entry
    expect(code(() => validateEntryRules({ ...r, tree: { ...r.tree, root: A } }))).toBe('INVALID_ENTRY')
  })
  it('rejects a non-root entry without parents or without a database', () => {
    const e = makeEntry(A, [B]).entry
    expect(code(() => validateEntryRules({ ...e, tree: { ...e.tree, parents: [] } }))).toBe('INVALID_ENTRY')
    expect(code(() => validateEntryRules({ ...e, tree: { ...e.tree, root: '' } }))).toBe('INVALID_ENTRY')
  })
  it('validateEntry runs shape and rules', () => {
    expect(code(() => validateEntry({ ...makeEntry(A, [B]).entry, tree: { root: A, parents: [], metadata: null } }))).toBe('INVALID_ENTRY')
  })
})

describe('roots, trees and checkPut', () => {
  it('isRootEntry needs a _root node and no parents; entryTree follows', () => {
    const r = makeRoot('x')
    const e = makeEntry(r.id, [r.id])
    expect(isRootEntry(r.entry)).toBe(true)
    expect(isRootEntry(e.entry)).toBe(false)
    expect(isRootEntry({ ...e.entry, tree: { ...e.entry.tree, parents: [] } })).toBe(false)
    expect(entryTree(r.id, r.entry)).toBe(r.id)
    expect(entryTree(e.id, e.entry)).toBe(r.id)
  })
  it('checkPut returns a copy when the id matches and refuses otherwise', () => {
    const r = makeRoot('cp')
    const copy = checkPut(r.id, r.entry, 'verified')
    expect(copy).toEqual(r.entry)
    expect(entryId(copy)).toBe(r.id)
    expect(code(() => checkPut(A, r.entry, 'verified'))).toBe('INVALID_ENTRY')
    expect(code(() => checkPut(r.id, r.entry, 'ok'))).toBe('RangeError')
    expect(code(() => checkPut(1, r.entry, 'verified'))).toBe('TypeError')
  })
  it('sealEntry freezes the entry, gives its id, and checkPut accepts it as is', () => {
    const e = makeEntry(A, [B]).entry
    const id = sealEntry(e)
    expect(id).toBe(entryId(e))
    expect(Object.isFrozen(e.tree.parents) && Object.isFrozen(e.subtrees[0]) && Object.isFrozen(e.sig)).toBe(true)
    expect(() => {
      ;(e.tree.parents as string[]).push(A)
    }).toThrow(TypeError)
    expect(checkPut(id, e, 'verified')).toBe(e)
    // A sealed entry under another id is still refused, and a bad status still checked.
    expect(code(() => checkPut(A, e, 'verified'))).toBe('INVALID_ENTRY')
    expect(code(() => checkPut(id, e, 'ok'))).toBe('RangeError')
    expect(code(() => sealEntry({ ...makeEntry(A, [B]).entry, tree: { root: A, parents: [], metadata: null } }))).toBe('INVALID_ENTRY')
  })
})
