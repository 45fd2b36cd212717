/**
 * Bounded work per entry (DECISIONS 20): list positions are bounded when
 * they are decoded (steps, exponent, numerator), and local edits never make
 * a position past those bounds. Hostile positions in received data are
 * refused before any comparison runs: that data is skipped like any data
 * that does not decode.
 */
import { describe, expect, it } from 'vitest'
import { Database, Doc, DocStore, List, MAX_POSITION_EXPONENT, MAX_POSITION_HEX_DIGITS, MAX_POSITION_STEPS } from '@engram/database'
import { comparePositions, type Position } from '../src/crdt/position.js'
import { expectCode, forge, newEngine, setup } from './helpers.js'

const ID = '0123456789abcdef'
const listDoc = (...items: string[][]): string =>
  `{"doc":{"l":{"list":[${items.map((steps, i) => `[${steps.map((s) => JSON.stringify(s)).join(',')},${i}]`).join(',')}]}}}`
/** A one-item list whose position has these step numbers (ids fixed). */
const oneItem = (...numbers: string[]): string => listDoc(numbers.flatMap((n) => [n, ID]))

const within = (pos: Position): boolean =>
  pos.length <= MAX_POSITION_STEPS &&
  pos.every((s) => s.n.k <= MAX_POSITION_EXPONENT && (s.n.m < 0n ? -s.n.m : s.n.m).toString(16).length <= MAX_POSITION_HEX_DIGITS)

describe('list positions are bounded at decode', () => {
  it('a huge exponent is corrupt data (it would cost a 10⁹-bit shift per comparison)', async () => {
    await expectCode(() => Doc.decode(oneItem('1p-999999999')), 'CORRUPT_DATA')
    await expectCode(() => Doc.decode(oneItem(`1p-${MAX_POSITION_EXPONENT + 1}`)), 'CORRUPT_DATA')
    expect(Doc.decode(oneItem(`1p-${MAX_POSITION_EXPONENT}`)).get('l')).toEqual([0])
  })

  it('a numerator longer than the limit is corrupt data', async () => {
    await expectCode(() => Doc.decode(oneItem('f'.repeat(MAX_POSITION_HEX_DIGITS + 1))), 'CORRUPT_DATA')
    await expectCode(() => Doc.decode(oneItem('-' + 'f'.repeat(MAX_POSITION_HEX_DIGITS + 1))), 'CORRUPT_DATA')
    const text = oneItem('f'.repeat(MAX_POSITION_HEX_DIGITS))
    expect(Doc.decode(text).encode()).toBe(text)
  })

  it('a position with more steps than the limit is corrupt data', async () => {
    await expectCode(() => Doc.decode(oneItem(...Array<string>(MAX_POSITION_STEPS + 1).fill('0'))), 'CORRUPT_DATA')
    const text = oneItem(...Array<string>(MAX_POSITION_STEPS).fill('0'))
    expect(Doc.decode(text).encode()).toBe(text)
  })

  it('the largest positions the limits allow still compare and merge exactly', () => {
    const big = `${'f'.repeat(MAX_POSITION_HEX_DIGITS - 1)}1p-${MAX_POSITION_EXPONENT}`
    const prefix = Array<string>(MAX_POSITION_STEPS - 1).fill(big)
    const a = Doc.decode(listDoc([...prefix, '-1'].flatMap((n) => [n, ID]), [...prefix, big].flatMap((n) => [n, ID])))
    const b = Doc.decode(listDoc([...prefix, '0'].flatMap((n) => [n, ID])))
    expect(a.merge(b).get('l')).toEqual([0, 0, 1])
    expect(Doc.decode(a.merge(b).encode()).equals(a.merge(b))).toBe(true)
  })
})

describe('local edits stay within the limits', () => {
  const check = (l: List): void => {
    const ps = l._items.map((i) => i.pos)
    for (let i = 0; i < ps.length; i++) {
      expect(within(ps[i]!)).toBe(true)
      if (i > 0) expect(comparePositions(ps[i - 1]!, ps[i]!)).toBeLessThan(0)
    }
    const d = new Doc().set('l', l)
    expect(Doc.decode(d.encode()).equals(d)).toBe(true)
  }

  it('many inserts at one spot (typing in the middle of a text)', () => {
    const l = List.fromJSON(['first', 'last'])
    const model = ['first', 'last']
    for (let i = 0; i < 3 * MAX_POSITION_EXPONENT; i++) {
      l.insert(1 + i, i)
      model.splice(1 + i, 0, String(i))
    }
    expect(l.toJSON().map(String)).toEqual(model)
    check(l)
  })

  it('many inserts before the previous one, and always in the middle', () => {
    const l = List.fromJSON(['first', 'last'])
    for (let i = 0; i < 3 * MAX_POSITION_EXPONENT; i++) l.insert(1, i)
    check(l)
    const m = new List()
    const model: number[] = []
    for (let i = 0; i < 3000; i++) {
      const at = Math.floor(model.length / 2)
      m.insert(at, i)
      model.splice(at, 0, i)
    }
    expect(m.toJSON()).toEqual(model)
    check(m)
  })

  it('inserting next to an item at the largest exponent extends the position instead', () => {
    const d = Doc.decode(listDoc(['0', ID], [`1p-${MAX_POSITION_EXPONENT}`, ID]))
    const l = d.getList('l')!
    l.insert(1, 'x')
    expect(l.toJSON()).toEqual([0, 'x', 1])
    check(l)
  })
})

describe('hostile positions in received entries', () => {
  it('are skipped like any data that does not decode, on every replica', async () => {
    const { engine, key, db } = await setup()
    const txn = await db.newTransaction()
    await (await txn.getStore('s', DocStore)).set('l', ['a', 'b'])
    const base = await txn.commit()
    const evil = `{"doc":{"l":{"list":[["1p-999999999","${ID}","evil"],["3p-999999999","${ID}","evil2"]]}}}`
    const hostile = await forge({ db: db.id, parents: [base], stores: { s: { parents: [base], data: evil } }, sigKey: 'admin', key })
    const replica = newEngine()
    const r = await replica.receiveEntries([...(await db.getAllEntries()), hostile])
    expect(r.verified).toContain(hostile.id)
    await engine.receiveEntries([hostile])
    for (const e of [engine, replica]) {
      const view = await Database.open(e, db.id)
      expect(await view.getTips()).toEqual([hostile.id])
      expect(await (await view.getStore('s', DocStore)).get('l')).toEqual(['a', 'b'])
    }
  })
})
