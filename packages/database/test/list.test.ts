import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Doc, List, type JsonValue } from '../src/crdt/index.js'
import { comparePositions, type Position } from '../src/crdt/position.js'

const positions = (l: List): Position[] => l._items.map((i) => i.pos)
const strictlyIncreasing = (ps: Position[]): boolean =>
  ps.every((p, i) => i === 0 || comparePositions(ps[i - 1] as Position, p) < 0)

describe('List basics', () => {
  it('push, get, length, toJSON', () => {
    const l = new List().push('a').push({ b: 1 }).push([2])
    expect(l.length).toBe(3)
    expect(l.get(0)).toBe('a')
    expect(l.get(1)).toEqual({ b: 1 })
    expect(l.get(2)).toEqual([2])
    expect(l.get(3)).toBeUndefined()
    expect(l.get(-1)).toBeUndefined()
    expect(l.toJSON()).toEqual(['a', { b: 1 }, [2]])
  })

  it('index arguments must be integers', () => {
    const l = List.fromJSON([1])
    expect(() => l.get(0.5)).toThrow(TypeError)
    expect(() => l.insert(Number.NaN, 1)).toThrow(TypeError)
    expect(() => l.set('0' as unknown as number, 1)).toThrow(TypeError)
    expect(() => l.remove(undefined as unknown as number)).toThrow(TypeError)
  })

  it('insert at the front, middle and end', () => {
    const l = List.fromJSON(['b', 'd'])
    l.insert(0, 'a').insert(2, 'c').insert(4, 'e')
    expect(l.toJSON()).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(strictlyIncreasing(positions(l))).toBe(true)
  })

  it('insert out of range is a RangeError and changes nothing', () => {
    const l = List.fromJSON([1, 2])
    expect(() => l.insert(3, 'x')).toThrow(RangeError)
    expect(() => l.insert(-1, 'x')).toThrow(RangeError)
    expect(() => new List().insert(1, 'x')).toThrow(RangeError)
    expect(l.toJSON()).toEqual([1, 2])
  })

  it('set replaces a live item in place; out of range is a RangeError', () => {
    const l = List.fromJSON(['a', 'b'])
    const before = positions(l)
    l.set(1, { x: 1 })
    expect(l.toJSON()).toEqual(['a', { x: 1 }])
    expect(positions(l)).toEqual(before)
    expect(() => l.set(2, 'x')).toThrow(RangeError)
    expect(() => l.set(-1, 'x')).toThrow(RangeError)
    expect(() => new List().set(0, 'x')).toThrow(RangeError)
  })

  it('remove leaves a tombstone: live indexes shift, the position stays', () => {
    const l = List.fromJSON(['a', 'b', 'c'])
    l.remove(1)
    expect(l.length).toBe(2)
    expect(l.toJSON()).toEqual(['a', 'c'])
    expect(l.get(1)).toBe('c')
    expect(l._items.length).toBe(3)
    expect(() => l.remove(2)).toThrow(RangeError)
    l.remove(0).remove(0)
    expect(l.length).toBe(0)
    expect(l.toJSON()).toEqual([])
  })

  it('insert between live neighbours skips tombstones', () => {
    const l = List.fromJSON(['a', 'b', 'c'])
    l.remove(1).insert(1, 'x')
    expect(l.toJSON()).toEqual(['a', 'x', 'c'])
    l.remove(0).remove(0).insert(0, 'front').push('end')
    expect(l.toJSON()).toEqual(['front', 'c', 'end'])
  })

  it('push goes after tombstones too', () => {
    const l = List.fromJSON(['a', 'b'])
    l.remove(1).push('c')
    expect(l.toJSON()).toEqual(['a', 'c'])
    const ps = positions(l)
    expect(comparePositions(ps[1] as Position, ps[2] as Position)).toBeLessThan(0)
  })

  it('getDoc and getList reach live nested nodes', () => {
    const l = List.fromJSON([{ a: 1 }, [1], 'x'])
    l.getDoc(0)!.set('b', 2)
    l.getList(1)!.push(2)
    expect(l.toJSON()).toEqual([{ a: 1, b: 2 }, [1, 2], 'x'])
    expect(l.getDoc(1)).toBeUndefined()
    expect(l.getList(2)).toBeUndefined()
    expect(l.getDoc(9)).toBeUndefined()
  })

  it('arrays inside a Doc become Lists and come back as arrays', () => {
    const d = new Doc().set('m', [[1, [2]], { a: [] }])
    expect(d.getList('m')).toBeInstanceOf(List)
    expect(d.get('m')).toEqual([[1, [2]], { a: [] }])
    expect(d.getPath('m.0.1.0')).toBe(2)
  })

  it('fromJSON, clone and equals', () => {
    const l = List.fromJSON(['a', { b: [1] }])
    const c = l.clone()
    expect(c.equals(l)).toBe(true)
    c.getDoc(1)!.set('x', 1)
    expect(c.equals(l)).toBe(false)
    expect(l.toJSON()).toEqual(['a', { b: [1] }])
    expect(List.fromJSON(['a']).equals(List.fromJSON(['a']))).toBe(false) // fresh positions
    expect(() => List.fromJSON('ab' as unknown as JsonValue[])).toThrow(TypeError)
  })
})

describe('positions', () => {
  it('a new item sits strictly between its live neighbours', () => {
    const l = List.fromJSON(['a', 'b'])
    for (let i = 0; i < 50; i++) {
      const at = 1 + (i % 2)
      l.insert(at, i)
      const live = l._items.filter((it) => typeof it.value !== 'object' || it.value === null)
      const p = live.map((it) => it.pos)
      expect(comparePositions(p[at - 1] as Position, p[at] as Position)).toBeLessThan(0)
      expect(comparePositions(p[at] as Position, p[at + 1] as Position)).toBeLessThan(0)
    }
    expect(strictlyIncreasing(positions(l))).toBe(true)
  })

  it('handles many inserts at the same spot, keeping order and size in check', () => {
    const l = List.fromJSON(['first', 'last'])
    const model = ['first', 'last']
    for (let i = 0; i < 2000; i++) {
      l.insert(1, i)
      model.splice(1, 0, String(i))
    }
    expect(l.toJSON().map(String)).toEqual(model)
    expect(strictlyIncreasing(positions(l))).toBe(true)
    // Each insert at one spot adds about one bit to one position number.
    const d = new Doc().set('l', l)
    const text = d.encode()
    expect(text.length).toBeLessThan(3_000_000)
    expect(Doc.decode(text).equals(d)).toBe(true)
  })

  it('zig-zag inserts (always in the middle) match an array', () => {
    const l = new List()
    const model: number[] = []
    for (let i = 0; i < 1500; i++) {
      const at = Math.floor(model.length / 2)
      l.insert(at, i)
      model.splice(at, 0, i)
    }
    expect(l.toJSON()).toEqual(model)
    expect(strictlyIncreasing(positions(l))).toBe(true)
  })

  it('inserts between neighbours whose numbers tie (concurrent pushes)', () => {
    const base = List.fromJSON(['a'])
    const x = base.clone().push('x')
    const y = base.clone().push('y')
    const merged = base.merge(x.diff(base)).merge(y.diff(base))
    expect(merged.length).toBe(3)
    const [, p1, p2] = positions(merged)
    // Both pushes chose the number 1: only the ids order them.
    expect(p1![0]!.n).toEqual(p2![0]!.n)
    const order = merged.toJSON()
    merged.insert(2, 'between')
    expect(merged.toJSON()).toEqual([order[0], order[1], 'between', order[2]])
    merged.insert(2, 'again').insert(3, 'more')
    expect(merged.toJSON()).toEqual([order[0], order[1], 'again', 'more', 'between', order[2]])
    expect(strictlyIncreasing(positions(merged))).toBe(true)
    const d = new Doc().set('l', merged)
    expect(Doc.decode(d.encode()).equals(d)).toBe(true)
  })

  it('random edits match an array model (property)', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('push' as const), v: fc.integer() }),
      fc.record({ t: fc.constant('insert' as const), i: fc.nat(), v: fc.integer() }),
      fc.record({ t: fc.constant('set' as const), i: fc.nat(), v: fc.integer() }),
      fc.record({ t: fc.constant('remove' as const), i: fc.nat() }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const l = new List()
        const model: number[] = []
        for (const o of ops) {
          if (o.t === 'push') {
            l.push(o.v)
            model.push(o.v)
          } else if (o.t === 'insert') {
            const i = o.i % (model.length + 1)
            l.insert(i, o.v)
            model.splice(i, 0, o.v)
          } else if (model.length > 0) {
            const i = o.i % model.length
            if (o.t === 'set') {
              l.set(i, o.v)
              model[i] = o.v
            } else {
              l.remove(i)
              model.splice(i, 1)
            }
          }
          expect(l.length).toBe(model.length)
          if (model.length > 0) expect(l.get(model.length - 1)).toBe(model[model.length - 1])
        }
        expect(l.toJSON()).toEqual(model)
        expect(l.length).toBe(model.length)
        model.forEach((v, i) => expect(l.get(i)).toBe(v))
        expect(strictlyIncreasing(positions(l))).toBe(true)
      }),
      { numRuns: 300 },
    )
  })
})

describe('List merge', () => {
  it('inserts into merged concurrent edits land where asked (property)', () => {
    const edit = fc.record({ push: fc.boolean(), at: fc.nat(), v: fc.integer({ min: 0, max: 99 }) })
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 99 }), { maxLength: 3 }),
        fc.array(fc.array(edit, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 4 }),
        fc.array(edit, { minLength: 1, maxLength: 12 }),
        (start, replicas, after) => {
          const base = List.fromJSON(start)
          let merged = base.clone()
          for (const edits of replicas) {
            const copy = base.clone()
            for (const e of edits) {
              if (e.push) copy.push(e.v)
              else copy.insert(e.at % (copy.length + 1), e.v)
            }
            merged = merged.merge(copy.diff(base))
          }
          // Every replica's items are there, each replica's in its own order.
          expect(merged.length).toBe(start.length + replicas.reduce((n, r) => n + r.length, 0))
          const model = merged.toJSON()
          for (const e of after) {
            const i = e.push ? model.length : e.at % (model.length + 1)
            merged.insert(i, e.v)
            model.splice(i, 0, e.v)
            expect(merged.toJSON()).toEqual(model)
          }
          expect(strictlyIncreasing(positions(merged))).toBe(true)
          const d = new Doc().set('l', merged)
          expect(Doc.decode(d.encode()).equals(d)).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('is a union by position; concurrent inserts all survive', () => {
    const base = List.fromJSON(['a', 'c'])
    const x = base.clone().insert(1, 'b')
    const y = base.clone().push('d')
    const z = base.clone().insert(0, 'start')
    const merged = base.merge(x).merge(y).merge(z)
    expect(merged.toJSON()).toEqual(['start', 'a', 'b', 'c', 'd'])
    // Disjoint inserts land the same whichever is laid last.
    expect(base.merge(z).merge(y).merge(x).toJSON()).toEqual(merged.toJSON())
  })

  it('the same position merges the values: the later one wins', () => {
    const base = List.fromJSON(['a', 'b'])
    const x = base.clone().set(0, 'x')
    const y = base.clone().set(0, 'y')
    expect(base.merge(x).merge(y).toJSON()).toEqual(['y', 'b'])
    expect(base.merge(y).merge(x).toJSON()).toEqual(['x', 'b'])
  })

  it('a removal laid later wins; a write laid after a removal revives the item', () => {
    const base = List.fromJSON(['a', 'b'])
    const removed = base.clone().remove(0)
    const edited = base.clone().set(0, 'A')
    expect(base.merge(edited.diff(base)).merge(removed.diff(base)).toJSON()).toEqual(['b'])
    expect(base.merge(removed.diff(base)).merge(edited.diff(base)).toJSON()).toEqual(['A', 'b'])
  })

  it('objects at one position merge key by key when edited in place', () => {
    const base = List.fromJSON([{ n: 0 }])
    const x = base.clone()
    x.getDoc(0)!.set('x', 1)
    const y = base.clone()
    y.getDoc(0)!.set('y', 2)
    expect(base.merge(x.diff(base)).merge(y.diff(base)).toJSON()).toEqual([{ n: 0, x: 1, y: 2 }])
  })

  it('a list given to set replaces the older list on merge', () => {
    const older = new Doc().set('l', [1, 2])
    const newer = new Doc().set('l', [3])
    expect(older.merge(newer).get('l')).toEqual([3])
  })

  it('merge changes neither input; absorb shares nothing with its argument', () => {
    const a = List.fromJSON([{ k: 1 }])
    const b = a.clone().push({ k: 2 })
    const [ja, jb] = [JSON.stringify(a.toJSON()), JSON.stringify(b.toJSON())]
    const m = a.merge(b)
    m.getDoc(1)!.set('k', 'changed')
    expect(JSON.stringify(a.toJSON())).toBe(ja)
    expect(JSON.stringify(b.toJSON())).toBe(jb)
    const c = new List().absorb(b)
    c.getDoc(1)!.set('k', 'mine')
    b.getDoc(0)!.set('k', 'theirs')
    expect(c.toJSON()).toEqual([{ k: 1 }, { k: 'mine' }])
    expect(() => c.absorb([] as unknown as List)).toThrow(TypeError)
  })

  it('merges a large list with a small change and a small list with a large one alike', () => {
    const base = new List()
    for (let i = 0; i < 500; i++) base.push(i)
    const small = base.clone().insert(250, 'mid').diff(base)
    expect(small._items.length).toBe(1)
    const big = base.clone()
    for (let i = 0; i < 100; i++) big.insert(i * 3, `n${i}`)
    const viaSmall = base.merge(small)
    expect(viaSmall.get(250)).toBe('mid')
    expect(viaSmall.length).toBe(501)
    expect(base.merge(big.diff(base)).toJSON()).toEqual(big.toJSON())
    expect(new List().merge(base).equals(base)).toBe(true)
  })
})
