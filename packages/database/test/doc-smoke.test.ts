import { describe, expect, it } from 'vitest'
import { Doc, List } from '../src/crdt/index.js'

describe('smoke', () => {
  it('works', () => {
    const a = new Doc().set('user', { name: 'Ada', langs: ['en'] })
    const b = new Doc().setPath('user.city', 'London')
    expect(a.merge(b).toJSON()).toEqual({ user: { name: 'Ada', langs: ['en'], city: 'London' } })
    const base = new List().push('a').push('c')
    const x = base.clone().insert(1, 'b')
    const y = base.clone().push('d')
    expect(base.merge(x).merge(y).toJSON()).toEqual(['a', 'b', 'c', 'd'])
    const d = a.merge(b)
    d.getList('user.langs')!.push('fr')
    d.delete('gone')
    const t = d.encode()
    expect(Doc.decode(t).equals(d)).toBe(true)
    expect(Doc.decode(t).encode()).toBe(t)
    console.log(t)
  })
})
