/**
 * DocStore paths that run through a list (issue 8): `setPath('tags.1', 'B')`
 * used to turn the list into `{"1":"B"}`. A path whose way runs through a
 * list is refused with INVALID_VALUE, and nothing is staged: edit the list
 * by reading it and setting it whole.
 */
import { describe, expect, it } from 'vitest'
import { DocStore } from '@engram/database'
import { expectCode, setup } from './helpers.js'

describe('DocStore.setPath / deletePath through a list', () => {
  it('is refused with INVALID_VALUE; the list stays a list', async () => {
    const { db } = await setup()
    const t1 = await db.newTransaction()
    await (await t1.getStore('doc', DocStore)).set('tags', ['a', 'b', { x: 1 }])
    await (await t1.getStore('doc', DocStore)).set('profile', { links: ['u'] })
    await t1.commit()

    const t2 = await db.newTransaction()
    const s = await t2.getStore('doc', DocStore)
    await expectCode(s.setPath('tags.1', 'B'), 'INVALID_VALUE')
    await expectCode(s.setPath('tags.2.x', 2), 'INVALID_VALUE')
    await expectCode(s.deletePath('tags.0'), 'INVALID_VALUE')
    await expectCode(s.setPath('profile.links.0', 'v'), 'INVALID_VALUE')
    expect(await s.get('tags')).toEqual(['a', 'b', { x: 1 }])
    await t2.commit()
    const view = await db.getStore('doc', DocStore)
    expect(await view.get('tags')).toEqual(['a', 'b', { x: 1 }])
    expect(await view.get('profile')).toEqual({ links: ['u'] })
  })

  it('also for a list staged in the same transaction', async () => {
    const { db } = await setup()
    const txn = await db.newTransaction()
    const s = await txn.getStore('doc', DocStore)
    await s.set('tags', ['a', 'b'])
    await expectCode(s.setPath('tags.1', 'B'), 'INVALID_VALUE')
    expect(await s.get('tags')).toEqual(['a', 'b'])
  })

  it('a list replaced in this transaction by an object no longer stands in the way', async () => {
    const { db } = await setup()
    const t1 = await db.newTransaction()
    await (await t1.getStore('doc', DocStore)).set('tags', ['a'])
    await t1.commit()
    const t2 = await db.newTransaction()
    const s = await t2.getStore('doc', DocStore)
    await s.set('tags', {})
    await s.setPath('tags.1', 'B')
    await t2.commit()
    expect(await (await db.getStore('doc', DocStore)).get('tags')).toEqual({ 1: 'B' })
  })

  it('setting the list itself, or a key next to it, still works', async () => {
    const { db } = await setup()
    const t1 = await db.newTransaction()
    await (await t1.getStore('doc', DocStore)).set('o', { tags: ['a'], n: 1 })
    await t1.commit()
    const t2 = await db.newTransaction()
    const s = await t2.getStore('doc', DocStore)
    await s.setPath('o.tags', ['a', 'B'])
    await s.setPath('o.n', 2)
    await t2.commit()
    expect(await (await db.getStore('doc', DocStore)).get('o')).toEqual({ tags: ['a', 'B'], n: 2 })
  })
})
