import { describe, expect, it } from 'vitest'
import { Doc, List, MAX_DEPTH } from '../src/crdt/index.js'

const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).constructor.name
  }
  return undefined
}

const roundTrips = (d: Doc): void => {
  const text = d.encode()
  const back = Doc.decode(text)
  expect(back.equals(d)).toBe(true)
  expect(back.encode()).toBe(text)
  expect(back.toJSON()).toEqual(d.toJSON())
}

describe('encode', () => {
  it('has a documented, compact wire form', () => {
    expect(new Doc().encode()).toBe('{"doc":{}}')
    expect(new Doc().set('b', 1).delete('a').setPath('c.d', 'x').set('e', { f: null }).encode()).toBe(
      '{"doc":{"a":{"deleted":true},"b":1,"c":{"doc":{"d":"x"}},"e":{"doc":{"f":null},"replace":true}}}',
    )
  })

  it('is deterministic: the same content encodes to the same bytes whatever the write order', () => {
    const a = new Doc().set('z', 1).set('a', { y: 2, b: 3 }).set('m', true)
    const b = new Doc().set('m', true).set('a', { b: 3, y: 2 }).set('z', 1)
    expect(a.encode()).toBe(b.encode())
    expect(a.encode()).toBe(a.clone().encode())
  })

  it('writes list items in position order as [n, id, …, value]', () => {
    const l = List.fromJSON(['a', 'b'])
    l.insert(1, 'mid')
    const text = new Doc().set('l', l).encode()
    const items = (JSON.parse(text) as { doc: { l: { list: unknown[][] } } }).doc.l.list
    expect(items.map((i) => i[0])).toEqual(['0', '1p-1', '1'])
    expect(items.map((i) => i[2])).toEqual(['a', 'mid', 'b'])
    for (const i of items) expect(i[1]).toMatch(/^[0-9a-f]{16}$/)
  })
})

describe('round trip', () => {
  it('keeps scalars exactly, numbers included', () => {
    const d = new Doc()
    const numbers = [0, 1, -1, 0.1, 1 / 3, 1e-300, 5e-324, Number.MAX_VALUE, -Number.MAX_SAFE_INTEGER, 2 ** 60]
    numbers.forEach((n, i) => d.set(`n${i}`, n))
    d.set('s', 'quote " backslash \\ newline \n tab \t nul \u0000 emoji 😀 lone \ud800')
    d.set('t', true).set('f', false).set('null', null)
    roundTrips(d)
    const back = Doc.decode(d.encode())
    numbers.forEach((n, i) => expect(back.get(`n${i}`)).toBe(n))
    expect(back.get('s')).toBe(d.get('s'))
  })

  it('keeps unicode keys, keys with dots, the empty key and __proto__', () => {
    const d = new Doc().set('ключ', 1).set('😀', 2).set('a.b.c', 3).set('', 4).set('__proto__', 5).set('"', 6)
    d.setPath('x.y', { 'dot.inside': true })
    roundTrips(d)
    expect(Doc.decode(d.encode()).get('a.b.c')).toBe(3)
  })

  it('keeps tombstones, replace flags and nested flags', () => {
    const d = new Doc().set('r', { a: { b: 1 } }).setPath('p.q', 1).delete('gone').deletePath('p.old')
    d.getDoc('r')!.setPath('a.c', 2)
    roundTrips(d)
    const back = Doc.decode(d.encode())
    expect(back.isTombstone('gone')).toBe(true)
    // The flags survive: r still shadows an older r, p still merges into one.
    const older = new Doc().set('r', { old: 1 }).set('p', { old2: 1 })
    expect(older.merge(back).toJSON()).toEqual({ r: { a: { b: 1, c: 2 } }, p: { q: 1, old2: 1 } })
  })

  it('keeps lists with tombstones, nested lists and multi-step positions', () => {
    const base = List.fromJSON(['a'])
    const x = base.clone().push('x')
    const y = base.clone().push('y')
    const l = base.merge(x).merge(y.diff(base))
    l.insert(2, 'between').insert(1, [1, [2, { deep: [] }]])
    l.remove(0)
    const d = new Doc().set('l', l)
    d.getList('l')!.getList(0)!.push('n')
    roundTrips(d)
    expect(Doc.decode(d.encode()).get('l')).toEqual(d.get('l'))
    expect((d.get('l') as unknown[]).length).toBe(4)
  })

  it('a standalone replace-flagged Doc round-trips too', () => {
    const flagged = new Doc().set('v', { k: 1 }).getDoc('v')!.clone()
    expect(flagged.encode()).toBe('{"doc":{"k":1},"replace":true}')
    roundTrips(flagged)
  })
})

describe('decode rejects malformed input with CORRUPT_DATA', () => {
  const corrupt: [string, string][] = [
    ['empty text', ''],
    ['not JSON', 'not json'],
    ['truncated', '{"doc":{"a":1}'],
    ['top-level array', '[]'],
    ['top-level number', '1'],
    ['top-level null', 'null'],
    ['top-level string', '"x"'],
    ['top-level list', '{"list":[]}'],
    ['top-level tombstone', '{"deleted":true}'],
    ['empty object', '{}'],
    ['doc is an array', '{"doc":[]}'],
    ['doc is null', '{"doc":null}'],
    ['replace false', '{"doc":{},"replace":false}'],
    ['replace not boolean', '{"doc":{},"replace":1}'],
    ['extra field', '{"doc":{},"x":1}'],
    ['three fields', '{"doc":{},"replace":true,"x":1}'],
    ['bare array value', '{"doc":{"a":[1]}}'],
    ['plain object value', '{"doc":{"a":{"x":1}}}'],
    ['deleted false', '{"doc":{"a":{"deleted":false}}}'],
    ['deleted with flag', '{"doc":{"a":{"deleted":true,"replace":true}}}'],
    ['infinite number', '{"doc":{"a":1e999}}'],
    ['list not array', '{"doc":{"a":{"list":{}}}}'],
    ['list item not array', '{"doc":{"a":{"list":[1]}}}'],
    ['list item too short', '{"doc":{"a":{"list":[["0","0123456789abcdef"]]}}}'],
    ['list item even length', '{"doc":{"a":{"list":[["0","0123456789abcdef","1","x"]]}}}'],
    ['number not text', '{"doc":{"a":{"list":[[0,"0123456789abcdef","v"]]}}}'],
    ['number with leading zero', '{"doc":{"a":{"list":[["01","0123456789abcdef","v"]]}}}'],
    ['negative zero', '{"doc":{"a":{"list":[["-0","0123456789abcdef","v"]]}}}'],
    ['decimal point', '{"doc":{"a":{"list":[["1.5","0123456789abcdef","v"]]}}}'],
    ['uppercase hex', '{"doc":{"a":{"list":[["A","0123456789abcdef","v"]]}}}'],
    ['0x prefix', '{"doc":{"a":{"list":[["0x1","0123456789abcdef","v"]]}}}'],
    ['even numerator', '{"doc":{"a":{"list":[["2p-1","0123456789abcdef","v"]]}}}'],
    ['exponent zero', '{"doc":{"a":{"list":[["1p-0","0123456789abcdef","v"]]}}}'],
    ['positive exponent', '{"doc":{"a":{"list":[["1p1","0123456789abcdef","v"]]}}}'],
    ['fraction form', '{"doc":{"a":{"list":[["1/2","0123456789abcdef","v"]]}}}'],
    ['id uppercase', '{"doc":{"a":{"list":[["0","0123456789ABCDEF","v"]]}}}'],
    ['id short', '{"doc":{"a":{"list":[["0","abc","v"]]}}}'],
    ['id not text', '{"doc":{"a":{"list":[["0",7,"v"]]}}}'],
    [
      'items out of order',
      '{"doc":{"a":{"list":[["1","0123456789abcdef","v"],["0","0123456789abcdef","w"]]}}}',
    ],
    [
      'duplicate position',
      '{"doc":{"a":{"list":[["0","0123456789abcdef","v"],["0","0123456789abcdef","w"]]}}}',
    ],
    ['bad value in list', '{"doc":{"a":{"list":[["0","0123456789abcdef",[1]]]}}}'],
    ['huge number text', `{"doc":{"a":{"list":[["${'f'.repeat(1_000_001)}","0123456789abcdef","v"]]}}}`],
  ]
  for (const [name, text] of corrupt) {
    it(name, () => {
      expect(code(() => Doc.decode(text))).toBe('CORRUPT_DATA')
    })
  }

  it('reads exact hex positions, negative and fractional ones included', () => {
    const text =
      '{"doc":{"l":{"list":[["-1f","0123456789abcdef","a"],["0","0123456789abcdef","b"],' +
      '["ffp-9","0123456789abcdef","c"],["1","0123456789abcdef","d"],' +
      `["${'f'.repeat(320)}","0123456789abcdef","e"]]}}}` // MAX_POSITION_HEX_DIGITS
    const d = Doc.decode(text)
    expect(d.get('l')).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(d.encode()).toBe(text)
  })

  it('non-string input is a TypeError', () => {
    expect(() => Doc.decode(undefined as unknown as string)).toThrow(TypeError)
    expect(() => Doc.decode({} as unknown as string)).toThrow(TypeError)
  })

  it('accepts exactly MAX_DEPTH levels and refuses one more', () => {
    const nest = (levels: number): string => '{"doc":{"a":'.repeat(levels - 1) + '{"doc":{}}' + '}}'.repeat(levels - 1)
    expect(Doc.decode(nest(MAX_DEPTH)).isEmpty()).toBe(false)
    expect(code(() => Doc.decode(nest(MAX_DEPTH + 1)))).toBe('CORRUPT_DATA')
    const lists = (levels: number): string =>
      '{"doc":{"a":' +
      '{"list":[["0","0123456789abcdef",'.repeat(levels - 1) +
      '1' +
      ']]}'.repeat(levels - 1) +
      '}}'
    expect(Doc.decode(lists(MAX_DEPTH)).isEmpty()).toBe(false)
    expect(code(() => Doc.decode(lists(MAX_DEPTH + 1)))).toBe('CORRUPT_DATA')
  })

  it('survives hostile nesting without blowing the stack', () => {
    const deepArrays = '['.repeat(1_000_000) + ']'.repeat(1_000_000)
    expect(code(() => Doc.decode(deepArrays))).toBe('CORRUPT_DATA')
    const deepDocs = '{"doc":{"a":'.repeat(200_000) + '1' + '}}'.repeat(200_000)
    expect(code(() => Doc.decode(deepDocs))).toBe('CORRUPT_DATA')
    const unclosed = '{"doc":{"a":'.repeat(500_000)
    expect(code(() => Doc.decode(unclosed))).toBe('CORRUPT_DATA')
  })

  it('reads -0 as 0 and a duplicate key as its last value (JSON.parse rules)', () => {
    const d = Doc.decode('{"doc":{"a":-0,"b":1,"b":2}}')
    expect(Object.is(d.get('a'), 0)).toBe(true)
    expect(d.get('b')).toBe(2)
  })
})
