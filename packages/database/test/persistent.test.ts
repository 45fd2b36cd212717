/**
 * The persistent structures behind store states: `SortedMap` (a Doc's
 * children) and `layShared` (a merge that changes nothing that exists).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Doc } from '../src/crdt/index.js'
import { layShared } from '../src/crdt/node.js'
import { SortedMap } from '../src/crdt/sorted-map.js'
import { wireDoc } from './crdt-arbitraries.js'

const RUNS = { numRuns: 300 }

describe('SortedMap', () => {
  it('behaves like a Map kept in sorted key order, and old versions never change', () => {
    const key = fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('10', '9', '__proto__', '', 'a', 'é', '\uD83D\uDE00', '\uFFFF'))
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.integer()), { maxLength: 400 }), (pairs) => {
        let map = SortedMap.empty<number>()
        const model = new Map<string, number>()
        const versions: [SortedMap<number>, [string, number][]][] = []
        for (const [k, v] of pairs) {
          map = map.set(k, v)
          model.set(k, v)
          versions.push([map, [...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))])
        }
        for (const [m, entries] of versions) {
          expect(m.size).toBe(entries.length)
          expect(m.entries()).toEqual(entries)
          for (const [k, v] of entries) expect(m.get(k)).toBe(v)
        }
        expect(map.get('not there \u0000')).toBeUndefined()
        expect(SortedMap.from(pairs.map((p) => p[0]), pairs.map((p) => p[1])).entries()).toEqual(versions.at(-1)?.[1] ?? [])
      }),
      { numRuns: 100 },
    )
  })

  it('matches a sorted Map over thousands of keys (splits and first-key changes at every level), old versions unchanged', () => {
    const key = fc.oneof(fc.string({ maxLength: 4 }), fc.nat(99_999).map((n) => `k${n}`))
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.integer()), { minLength: 1, maxLength: 3000 }), (pairs) => {
        let map = SortedMap.empty<number>()
        const model = new Map<string, number>()
        const checks: [SortedMap<number>, [string, number][]][] = []
        pairs.forEach(([k, v], i) => {
          map = map.set(k, v)
          model.set(k, v)
          if (i % 500 === 0) checks.push([map, [...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))])
        })
        checks.push([map, [...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))])
        for (const [m, entries] of checks) {
          expect(m.size).toBe(entries.length)
          expect(m.entries()).toEqual(entries)
          for (const [k, v] of entries) expect(m.get(k)).toBe(v)
        }
      }),
      { numRuns: 20 },
    )
  })

  it('holds 20,000 keys (three levels), sorted as Array.prototype.sort sorts them', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => globalThis.crypto.randomUUID() + i)
    let map = SortedMap.empty<number>()
    keys.forEach((k, i) => (map = map.set(k, i)))
    expect(map.size).toBe(keys.length)
    expect(map.keys()).toEqual([...keys].sort())
    expect(keys.filter((k, i) => map.get(k) !== i)).toEqual([])
    const bulk = SortedMap.from(keys, keys.map((_, i) => i))
    expect(bulk.entries()).toEqual(map.entries())
    const next = bulk.set(keys[7]!, -1)
    expect(next.get(keys[7]!)).toBe(-1)
    expect(bulk.get(keys[7]!)).toBe(7)
    expect(bulk.set(keys[7]!, 7)).toBe(bulk) // the same value: the same map
  })
})

describe('layShared', () => {
  it('gives what merge gives, and changes neither input', () => {
    fc.assert(
      fc.property(wireDoc, wireDoc, (a, b) => {
        const aText = a.encode()
        const bText = b.encode()
        const shared = layShared(a, b) as Doc
        expect(shared.encode()).toBe(a.merge(b).encode())
        expect(a.encode()).toBe(aText)
        expect(b.encode()).toBe(bText)
      }),
      RUNS,
    )
  })

  it('shares what the change does not reach, and takes nothing from the delta by reference', () => {
    const base = Doc.fromJSON({ a: { x: 1 }, b: { y: [1, 2] } })
    const delta = new Doc().setPath('a.z', 2)
    const next = layShared(base, delta) as Doc
    expect(next.getDoc('b')).toBe(base.getDoc('b'))
    expect(next.getDoc('a')).not.toBe(base.getDoc('a'))
    expect(base.toJSON()).toEqual({ a: { x: 1 }, b: { y: [1, 2] } })
    delta.getDoc('a')!.set('z', 3)
    expect(next.toJSON()).toEqual({ a: { x: 1, z: 2 }, b: { y: [1, 2] } })
  })
})
