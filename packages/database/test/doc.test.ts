import { describe, expect, it } from 'vitest'
import { Doc, List, type JsonValue } from '../src/crdt/index.js'

const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).constructor.name
  }
  return undefined
}

describe('Doc reads and writes', () => {
  it('starts empty', () => {
    const d = new Doc()
    expect(d.isEmpty()).toBe(true)
    expect(d.keys()).toEqual([])
    expect(d.toJSON()).toEqual({})
    expect(d.get('a')).toBeUndefined()
    expect(d.has('a')).toBe(false)
    expect(d.isTombstone('a')).toBe(false)
  })

  it('sets and gets every scalar kind, chaining', () => {
    const d = new Doc().set('n', null).set('t', true).set('f', false).set('i', 42).set('x', -1.5).set('s', 'hé')
    expect(d.toJSON()).toEqual({ n: null, t: true, f: false, i: 42, x: -1.5, s: 'hé' })
    expect(d.get('n')).toBeNull()
    expect(d.has('n')).toBe(true)
    expect(d.keys()).toEqual(['f', 'i', 'n', 's', 't', 'x'])
  })

  it('stores -0 as 0 (JSON has no -0)', () => {
    expect(Object.is(new Doc().set('z', -0).get('z'), 0)).toBe(true)
  })

  it('copies values in and out', () => {
    const input = { list: [1, { deep: 'x' }], obj: { a: 1 } }
    const d = new Doc().set('v', input)
    input.obj.a = 2
    ;(input.list[1] as { deep: string }).deep = 'changed'
    const out = d.get('v') as { obj: { a: number } }
    expect(out).toEqual({ list: [1, { deep: 'x' }], obj: { a: 1 } })
    out.obj.a = 99
    expect(d.getPath('v.obj.a')).toBe(1)
  })

  it('treats a key with dots as one literal key', () => {
    const d = new Doc().set('a.b', 1)
    expect(d.get('a.b')).toBe(1)
    expect(d.getPath('a.b')).toBeUndefined()
    expect(d.keys()).toEqual(['a.b'])
    expect(d.toJSON()).toEqual({ 'a.b': 1 })
  })

  it('accepts the empty string and __proto__ as keys without touching prototypes', () => {
    const d = new Doc().set('', 1).set('__proto__', { polluted: true })
    expect(d.get('')).toBe(1)
    expect(d.get('__proto__')).toEqual({ polluted: true })
    const json = d.toJSON()
    expect(Object.keys(json).sort()).toEqual(['', '__proto__'])
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype)
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
    expect(Doc.decode(d.encode()).equals(d)).toBe(true)
  })

  it('sorts keys by code unit, unicode included', () => {
    const d = new Doc().set('é', 1).set('Z', 2).set('a', 3).set('😀', 4).set('ｚ', 5)
    // 😀 is the surrogate pair D83D DE00, below ｚ (FF5A) in code units.
    expect(d.keys()).toEqual(['Z', 'a', 'é', '😀', 'ｚ'])
  })

  it('rejects non-string keys and paths with TypeError', () => {
    const d = new Doc()
    expect(() => d.set(1 as unknown as string, 1)).toThrow(TypeError)
    expect(() => d.get(undefined as unknown as string)).toThrow(TypeError)
    expect(() => d.setPath(null as unknown as string, 1)).toThrow(TypeError)
    expect(() => d.getPath({} as unknown as string)).toThrow(TypeError)
  })
})

describe('paths', () => {
  it('getPath walks nested objects and list indexes, dropping empty segments', () => {
    const d = new Doc().set('a', { b: { c: 1 }, l: [10, { x: 'y' }] })
    expect(d.getPath('a.b.c')).toBe(1)
    expect(d.getPath('a..b...c.')).toBe(1)
    expect(d.getPath('a.b')).toEqual({ c: 1 })
    expect(d.getPath('a.l.0')).toBe(10)
    expect(d.getPath('a.l.1.x')).toBe('y')
    expect(d.getPath('a.l.2')).toBeUndefined()
    expect(d.getPath('a.l.01')).toBeUndefined()
    expect(d.getPath('a.b.c.d')).toBeUndefined()
    expect(d.getPath('nope.x')).toBeUndefined()
  })

  it('an empty path is INVALID_VALUE for every path method', () => {
    const d = new Doc().set('a', 1)
    for (const p of ['', '.', '...']) {
      expect(code(() => d.getPath(p))).toBe('INVALID_VALUE')
      expect(code(() => d.setPath(p, 1))).toBe('INVALID_VALUE')
      expect(code(() => d.deletePath(p))).toBe('INVALID_VALUE')
      expect(code(() => d.getList(p))).toBe('INVALID_VALUE')
    }
    expect(d.toJSON()).toEqual({ a: 1 })
  })

  it('setPath creates objects on the way and keeps siblings', () => {
    const d = new Doc().setPath('a.b.c', 1).setPath('a.b.d', 2).setPath('a.e', 3)
    expect(d.toJSON()).toEqual({ a: { b: { c: 1, d: 2 }, e: 3 } })
    d.setPath('a.b.c', { replaced: true })
    expect(d.getPath('a.b')).toEqual({ c: { replaced: true }, d: 2 })
  })

  it('setPath replaces a scalar, a tombstone or a list on the way', () => {
    const d = new Doc().set('s', 5).set('l', [1, 2]).delete('t')
    d.setPath('s.x', 1).setPath('l.y', 2).setPath('t.z', 3)
    expect(d.toJSON()).toEqual({ s: { x: 1 }, l: { y: 2 }, t: { z: 3 } })
    expect(d.isTombstone('t')).toBe(false)
  })

  it('getPath through a tombstone is undefined', () => {
    const d = new Doc().setPath('a.b.c', 1).deletePath('a.b')
    expect(d.getPath('a.b.c')).toBeUndefined()
    expect(d.getPath('a.b')).toBeUndefined()
    expect(d.toJSON()).toEqual({ a: {} })
  })

  it('deletePath tombstones one leaf and keeps its siblings', () => {
    const d = new Doc().set('a', { x: 1, y: 2 }).deletePath('a.x')
    expect(d.toJSON()).toEqual({ a: { y: 2 } })
    expect(d.getDoc('a')?.isTombstone('x')).toBe(true)
  })
})

describe('tombstones', () => {
  it('delete leaves a tombstone that reads never show', () => {
    const d = new Doc().set('a', 1).set('b', 2).delete('a')
    expect(d.get('a')).toBeUndefined()
    expect(d.has('a')).toBe(false)
    expect(d.isTombstone('a')).toBe(true)
    expect(d.keys()).toEqual(['b'])
    expect(d.toJSON()).toEqual({ b: 2 })
    expect(d.isEmpty()).toBe(false)
  })

  it('delete of an absent key still writes a tombstone', () => {
    const d = new Doc().delete('ghost')
    expect(d.isTombstone('ghost')).toBe(true)
    expect(d.isEmpty()).toBe(false)
    expect(d.toJSON()).toEqual({})
  })

  it('a later write revives the key, directly and through merge', () => {
    const d = new Doc().set('a', 1).delete('a').set('a', 'back')
    expect(d.get('a')).toBe('back')
    expect(d.isTombstone('a')).toBe(false)
    const state = new Doc().set('a', 1)
    const del = new Doc().delete('a')
    const revive = new Doc().setPath('a.b', 2)
    expect(state.merge(del).toJSON()).toEqual({})
    expect(state.merge(del).merge(revive).toJSON()).toEqual({ a: { b: 2 } })
    expect(state.merge(revive).merge(del).toJSON()).toEqual({})
  })

  it('a tombstone laid over a value wins; a value laid over a tombstone wins', () => {
    const a = new Doc().set('k', 'v')
    const b = new Doc().delete('k')
    expect(a.merge(b).isTombstone('k')).toBe(true)
    expect(b.merge(a).get('k')).toBe('v')
  })
})

describe('merge', () => {
  it('b wins on shared keys; keys only in a stay', () => {
    const a = new Doc().set('x', 1).set('y', 2)
    const b = new Doc().set('y', 3).set('z', 4)
    expect(a.merge(b).toJSON()).toEqual({ x: 1, y: 3, z: 4 })
    expect(b.merge(a).toJSON()).toEqual({ x: 1, y: 2, z: 4 })
  })

  it('set replaces: an object given to set is not merged into the older one', () => {
    const state = new Doc().set('user', { name: 'Ada', age: 36 })
    const delta = new Doc().set('user', { name: 'Grace' })
    expect(state.merge(delta).toJSON()).toEqual({ user: { name: 'Grace' } })
    const arrays = new Doc().set('tags', ['a', 'b']).merge(new Doc().set('tags', ['c']))
    expect(arrays.get('tags')).toEqual(['c'])
  })

  it('setPath changes one leaf: concurrent setPaths to different leaves both survive', () => {
    const state = new Doc().set('cfg', { a: 1 })
    const d1 = new Doc().setPath('cfg.b', 2)
    const d2 = new Doc().setPath('cfg.c.deep', 3)
    expect(state.merge(d1).merge(d2).toJSON()).toEqual({ cfg: { a: 1, b: 2, c: { deep: 3 } } })
    expect(state.merge(d1.merge(d2)).toJSON()).toEqual({ cfg: { a: 1, b: 2, c: { deep: 3 } } })
  })

  it('a set later in the order shadows earlier setPaths, also when the deltas are combined first', () => {
    const state = new Doc().set('cfg', { a: 1 })
    const d1 = new Doc().setPath('cfg.b', 2)
    const d2 = new Doc().set('cfg', { only: true })
    const d3 = new Doc().setPath('cfg.c', 3)
    const expected = { cfg: { only: true, c: 3 } }
    expect(state.merge(d1).merge(d2).merge(d3).toJSON()).toEqual(expected)
    expect(state.merge(d1.merge(d2).merge(d3)).toJSON()).toEqual(expected)
    expect(state.merge(d1.merge(d2.merge(d3))).toJSON()).toEqual(expected)
  })

  it('a path-only change laid over a scalar replaces the scalar, whatever the grouping', () => {
    const a = new Doc().setPath('k.old', 1)
    const b = new Doc().set('k', 7)
    const c = new Doc().setPath('k.new', 2)
    expect(a.merge(b).merge(c).toJSON()).toEqual({ k: { new: 2 } })
    expect(a.merge(b.merge(c)).toJSON()).toEqual({ k: { new: 2 } })
    expect(a.merge(b).merge(c).equals(a.merge(b.merge(c)))).toBe(true)
  })

  it('a missing key changes nothing: deltas that skip a key let the rest merge', () => {
    const a = new Doc().setPath('k.x', 1)
    const b = new Doc().set('other', true)
    const c = new Doc().setPath('k.y', 2)
    expect(a.merge(b.merge(c)).toJSON()).toEqual({ k: { x: 1, y: 2 }, other: true })
  })

  it('merge returns a new Doc and changes neither input', () => {
    const a = new Doc().set('x', { a: [1] })
    const b = new Doc().setPath('x.b', 2).delete('gone')
    const [ea, eb] = [a.encode(), b.encode()]
    const m = a.merge(b)
    expect(m).not.toBe(a)
    expect(a.encode()).toBe(ea)
    expect(b.encode()).toBe(eb)
    m.setPath('x.c', 3)
    m.getList('x.a')!.push(2)
    expect(a.encode()).toBe(ea)
    expect(b.encode()).toBe(eb)
  })

  it('is idempotent and not commutative', () => {
    const a = new Doc().set('k', 1)
    const b = new Doc().set('k', 2)
    expect(a.merge(a).equals(a)).toBe(true)
    expect(a.merge(b).merge(b).equals(a.merge(b))).toBe(true)
    expect(a.merge(b).get('k')).toBe(2)
    expect(b.merge(a).get('k')).toBe(1)
  })

  it('a whole state laid over another replaces what it set, lists included', () => {
    const base = new Doc().set('l', ['a', 'c'])
    const x = base.clone()
    x.getList('l')!.insert(1, 'b')
    const y = base.clone()
    y.getList('l')!.push('d')
    expect(base.merge(x).merge(y).get('l')).toEqual(['a', 'c', 'd'])
  })

  it('diffs against a common base merge lists by position and objects by key', () => {
    const base = new Doc().set('l', ['a', 'c']).set('o', { k: 1 })
    const x = base.clone()
    x.getList('l')!.insert(1, 'b')
    x.getDoc('o')!.set('x', true)
    const y = base.clone()
    y.getList('l')!.push('d')
    y.getList('l')!.remove(0)
    y.getDoc('o')!.set('y', true)
    const merged = base.merge(x.diff(base)).merge(y.diff(base))
    expect(merged.toJSON()).toEqual({ l: ['b', 'c', 'd'], o: { k: 1, x: true, y: true } })
  })
})

describe('absorb, clone, equals, isEmpty', () => {
  it('absorb changes the receiver in place and equals merge', () => {
    const a = new Doc().set('x', 1).setPath('o.p', 1)
    const b = new Doc().setPath('o.q', 2).delete('x')
    const expected = a.merge(b)
    const same = a.absorb(b)
    expect(same).toBe(a)
    expect(a.equals(expected)).toBe(true)
  })

  it('absorb shares nothing with its argument', () => {
    const a = new Doc().setPath('o.p', 1)
    const b = new Doc().setPath('o.q', { deep: 1 }).set('l', [1]).setPath('fresh.x', 1)
    const eb = b.encode()
    a.absorb(b)
    a.getDoc('o')!.set('q', 'mine')
    a.getDoc('fresh')!.set('x', 'mine')
    a.getList('l')!.push(2)
    expect(b.encode()).toBe(eb)
    b.getDoc('fresh')!.set('y', 'theirs')
    b.getList('l')!.push(3)
    expect(a.toJSON()).toEqual({ o: { p: 1, q: 'mine' }, l: [1, 2], fresh: { x: 'mine' } })
  })

  it('absorbing a Doc with the replace flag makes the receiver a copy of it', () => {
    const src = new Doc().set('v', { only: 1 })
    const flagged = src.getDoc('v')!.clone()
    const target = new Doc().set('a', 1).set('b', 2)
    target.absorb(flagged)
    expect(target.toJSON()).toEqual({ only: 1 })
    expect(target.equals(flagged)).toBe(true)
  })

  it('absorbing itself changes nothing', () => {
    const d = new Doc().set('a', { b: [1] }).setPath('c.d', 1).delete('e')
    const copy = d.clone()
    expect(d.absorb(d).equals(copy)).toBe(true)
    const l = d.getList('a.b')!
    expect(l.absorb(l).toJSON()).toEqual([1])
  })

  it('absorb needs a Doc', () => {
    expect(() => new Doc().absorb({} as Doc)).toThrow(TypeError)
  })

  it('clone is deep', () => {
    const a = new Doc().set('o', { l: [1, { x: 1 }] })
    const c = a.clone()
    expect(c.equals(a)).toBe(true)
    c.getList('o.l')!.getDoc(1)!.set('x', 2)
    c.getList('o.l')!.push(3)
    expect(a.get('o')).toEqual({ l: [1, { x: 1 }] })
  })

  it('equals sees tombstones, replace flags and list positions', () => {
    expect(new Doc().set('a', 1).equals(new Doc().set('a', 1))).toBe(true)
    expect(new Doc().delete('a').equals(new Doc())).toBe(false)
    // Same plain content, different merge behaviour: not equal.
    const replaced = new Doc().set('a', { x: 1 })
    const pathed = new Doc().setPath('a.x', 1)
    expect(replaced.toJSON()).toEqual(pathed.toJSON())
    expect(replaced.equals(pathed)).toBe(false)
    // Same values, independently made positions: not equal.
    expect(new Doc().set('l', [1]).equals(new Doc().set('l', [1]))).toBe(false)
    expect(new Doc().set('n', 1).equals(new Doc().set('n', '1'))).toBe(false)
  })

  it('set of an object equals set of {} then setPaths in the same Doc', () => {
    const a = new Doc().set('a', { b: { c: 1 } })
    const b = new Doc().set('a', {}).setPath('a.b.c', 1)
    expect(a.equals(b)).toBe(true)
  })
})

describe('diff', () => {
  it('is empty for an unchanged copy and holds only what changed', () => {
    const base = new Doc().set('a', { x: 1, y: { z: 2 } }).set('b', 1).set('l', [1, 2, 3])
    expect(base.clone().diff(base).isEmpty()).toBe(true)
    const next = base.clone().setPath('a.y.w', 3).delete('b')
    next.getList('l')!.remove(1)
    const d = next.diff(base)
    expect(d.keys()).toEqual(['a', 'l'])
    expect(d.isTombstone('b')).toBe(true)
    expect(d.get('a')).toEqual({ y: { w: 3 } })
    expect(d.getList('l')!._items.length).toBe(1)
    expect(base.merge(d).equals(next)).toBe(true)
  })

  it('a set in the copy stays a replacement, even with a superset of the old content', () => {
    const base = new Doc().set('cfg', { a: 1 })
    const mine = base.clone().set('cfg', { a: 1, b: 2 })
    const theirs = new Doc().setPath('cfg.c', 3)
    // Laid after a concurrent setPath, my set still replaces cfg.
    expect(base.merge(theirs).merge(mine.diff(base)).get('cfg')).toEqual({ a: 1, b: 2 })
    // An in-place edit of the copy merges instead.
    const edited = base.clone().setPath('cfg.b', 2)
    expect(base.merge(theirs).merge(edited.diff(base)).get('cfg')).toEqual({ a: 1, b: 2, c: 3 })
  })

  it('keeps working across encode/decode (larger, still exact)', () => {
    const base = Doc.decode(new Doc().set('o', { k: [1] }).encode())
    const next = Doc.decode(base.encode())
    next.getList('o.k')!.push(2)
    expect(base.merge(next.diff(base)).equals(next)).toBe(true)
  })

  it('needs a Doc', () => {
    expect(() => new Doc().diff('x' as unknown as Doc)).toThrow(TypeError)
  })
})

describe('fromJSON, getDoc, getList', () => {
  it('fromJSON sets each top-level key with replace semantics', () => {
    const d = Doc.fromJSON({ a: { x: 1 }, b: [1, 2], c: 'x' })
    expect(d.toJSON()).toEqual({ a: { x: 1 }, b: [1, 2], c: 'x' })
    const manual = new Doc()
    manual.set('a', { x: 1 })
    expect(d.getDoc('a')!.equals(manual.getDoc('a')!)).toBe(true)
    const older = new Doc().setPath('a.y', 2)
    expect(older.merge(d).get('a')).toEqual({ x: 1 })
    // The top level itself merges key by key.
    expect(new Doc().set('keep', 1).merge(d).get('keep')).toBe(1)
  })

  it('fromJSON rejects anything but a plain object', () => {
    for (const bad of [[1], null, 'x', new Date(), new Map()]) {
      expect(code(() => Doc.fromJSON(bad as unknown as { [k: string]: JsonValue }))).toBe('INVALID_VALUE')
    }
  })

  it('getDoc returns the live nested node, or undefined', () => {
    const d = new Doc().set('auth', { k1: { status: 'active' } }).set('s', 1).delete('t').set('l', [])
    const auth = d.getDoc('auth')!
    expect(auth.toJSON()).toEqual({ k1: { status: 'active' } })
    auth.setPath('k1.status', 'revoked')
    expect(d.getPath('auth.k1.status')).toBe('revoked')
    expect(d.getDoc('s')).toBeUndefined()
    expect(d.getDoc('t')).toBeUndefined()
    expect(d.getDoc('l')).toBeUndefined()
    expect(d.getDoc('missing')).toBeUndefined()
  })

  it('getList returns the live List node for editing, or undefined', () => {
    const d = new Doc().set('o', { tags: ['a'] }).set('s', 'x')
    const tags = d.getList('o.tags')!
    expect(tags).toBeInstanceOf(List)
    tags.push('b').insert(0, 'z')
    expect(d.getPath('o.tags')).toEqual(['z', 'a', 'b'])
    expect(d.getList('s')).toBeUndefined()
    expect(d.getList('o')).toBeUndefined()
    expect(d.getList('o.tags.0')).toBeUndefined()
  })

  it('set accepts Doc and List instances as copies with replace semantics', () => {
    const inner = new Doc().set('x', 1)
    const list = List.fromJSON([1, 2])
    const d = new Doc().set('d', inner).set('l', list)
    inner.set('x', 2)
    list.push(3)
    expect(d.toJSON()).toEqual({ d: { x: 1 }, l: [1, 2] })
    expect(new Doc().setPath('d.y', 1).merge(d).get('d')).toEqual({ x: 1 })
  })
})

describe('INVALID_VALUE battery', () => {
  class Point {
    x = 1
  }
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic['self'] = cyclic
  const cyclicArray: unknown[] = [1]
  cyclicArray.push(cyclicArray)
  const sparse = [1, , 3] // eslint-disable-line no-sparse-arrays
  const huge: unknown[] = []
  huge.length = 2 ** 32 - 1
  let deep: unknown = 1
  for (let i = 0; i < 300; i++) deep = { d: deep }
  let deepArray: unknown = 1
  for (let i = 0; i < 300; i++) deepArray = [deepArray]
  const bad: [string, unknown][] = [
    ['undefined', undefined],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['bigint', 10n],
    ['function', () => 1],
    ['symbol', Symbol('s')],
    ['Date', new Date(0)],
    ['Uint8Array', new Uint8Array(2)],
    ['Map', new Map()],
    ['Set', new Set()],
    ['RegExp', /x/],
    ['class instance', new Point()],
    ['boxed string', new String('x')],
    ['cyclic object', cyclic],
    ['cyclic array', cyclicArray],
    ['sparse array', sparse],
    ['huge empty array', huge],
    ['nested undefined', { a: { b: undefined } }],
    ['NaN in array', [1, NaN]],
    ['bigint deep', { a: [{ b: 1n }] }],
    ['symbol key', { [Symbol('k')]: 1 }],
    ['too deep object', deep],
    ['too deep array', deepArray],
    ['Array subclass', new (class extends Array {})()],
  ]

  for (const [name, value] of bad) {
    it(`rejects ${name} everywhere, changing nothing`, () => {
      const d = new Doc().set('keep', { x: [1] })
      const before = d.encode()
      const list = d.getList('keep.x')!
      expect(code(() => d.set('k', value as JsonValue))).toBe('INVALID_VALUE')
      expect(code(() => d.setPath('a.b.c', value as JsonValue))).toBe('INVALID_VALUE')
      expect(code(() => list.push(value as JsonValue))).toBe('INVALID_VALUE')
      expect(code(() => list.insert(0, value as JsonValue))).toBe('INVALID_VALUE')
      expect(code(() => list.set(0, value as JsonValue))).toBe('INVALID_VALUE')
      expect(code(() => Doc.fromJSON({ k: value as JsonValue }))).toBe('INVALID_VALUE')
      expect(d.encode()).toBe(before)
    })
  }

  it('accepts a shared (non-cyclic) sub-object, copying it at each place', () => {
    const shared = { v: 1 }
    const d = new Doc().set('k', { a: shared, b: [shared, shared] })
    expect(d.get('k')).toEqual({ a: { v: 1 }, b: [{ v: 1 }, { v: 1 }] })
  })

  it('accepts null-prototype objects', () => {
    const o = Object.create(null) as Record<string, JsonValue>
    o['x'] = 1
    expect(new Doc().set('o', o).get('o')).toEqual({ x: 1 })
  })

  it('accepts nesting up to the depth limit, counted from the top-level Doc', () => {
    // The top-level Doc is level 1, so a value may nest 255 more levels.
    let ok: JsonValue = 1
    for (let i = 0; i < 255; i++) ok = { d: ok }
    const d = new Doc().set('k', ok)
    expect(Doc.decode(d.encode()).equals(d)).toBe(true)
    expect(code(() => new Doc().set('k', { d: ok }))).toBe('INVALID_VALUE')
    const path = Array.from({ length: 256 }, (_, i) => `p${i}`).join('.')
    const p = new Doc().setPath(path, 'leaf')
    expect(Doc.decode(p.encode()).getPath(path)).toBe('leaf')
    expect(code(() => new Doc().setPath(`${path}.more`, 1))).toBe('INVALID_VALUE')
    expect(code(() => new Doc().setPath(path, {}))).toBe('INVALID_VALUE')
    expect(code(() => new Doc().deletePath(`${path}.more`))).toBe('INVALID_VALUE')
  })

  it('encode refuses a Doc made too deep by editing nested nodes in place', () => {
    const d = new Doc()
    let node = d
    for (let i = 0; i < 300; i++) {
      node.set('n', {})
      node = node.getDoc('n')!
    }
    expect(code(() => d.encode())).toBe('INVALID_VALUE')
  })
})
