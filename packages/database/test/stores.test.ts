import { describe, expect, it } from 'vitest'
import { DocStore, Table } from '@engram/database'
import { expectCode, setup } from './helpers.js'

type Task = { title: string; done: boolean }

describe('DocStore', () => {
  it('get/set/delete/getPath/setPath/getAll/toJSON', async () => {
    const { db } = await setup()
    const txn = await db.newTransaction()
    const s = await txn.getStore('doc', DocStore)
    await s.set('name', 'x')
    await s.set('list', [1, 2, { a: true }])
    await s.setPath('deep.a.b', 1)
    await s.setPath('deep.a.c', null)
    expect(await s.get('missing')).toBeUndefined()
    expect(await s.getPath('deep.a')).toEqual({ b: 1, c: null })
    await txn.commit()

    const t2 = await db.newTransaction()
    const s2 = await t2.getStore('doc', DocStore)
    await s2.set('name', { replaced: true })
    await s2.delete('list')
    await s2.setPath('deep.a.d', 'new')
    await t2.commit()
    const view = await db.getStore('doc', DocStore)
    expect(await view.toJSON()).toEqual({ name: { replaced: true }, deep: { a: { b: 1, c: null, d: 'new' } } })
    expect(await view.getAll()).toEqual(await view.toJSON())
    expect(await view.get('list')).toBeUndefined()

    // A later write revives a deleted key.
    const t3 = await db.newTransaction()
    await (await t3.getStore('doc', DocStore)).set('list', 'back')
    await t3.commit()
    expect(await (await db.getStore('doc', DocStore)).get('list')).toBe('back')
  })

  it('set replaces objects; concurrent setPaths to different leaves both survive', async () => {
    const { db } = await setup()
    const t = await db.newTransaction()
    await (await t.getStore('doc', DocStore)).set('o', { a: 1, b: 2 })
    const base = await t.commit()
    const left = await db.newTransactionAt([base])
    await (await left.getStore('doc', DocStore)).setPath('o.a', 10)
    await left.commit()
    const right = await db.newTransactionAt([base])
    await (await right.getStore('doc', DocStore)).setPath('o.c', 30)
    await right.commit()
    expect(await (await db.getStore('doc', DocStore)).get('o')).toEqual({ a: 10, b: 2, c: 30 })
    const t2 = await db.newTransaction()
    await (await t2.getStore('doc', DocStore)).set('o', { z: 0 })
    await t2.commit()
    expect(await (await db.getStore('doc', DocStore)).get('o')).toEqual({ z: 0 })
  })

  it('refuses values that are not JSON-like, staging nothing', async () => {
    const { db } = await setup()
    const t = await db.newTransaction()
    const s = await t.getStore('doc', DocStore)
    await expectCode(s.set('n', Number.POSITIVE_INFINITY), 'INVALID_VALUE')
    await expectCode(s.set('n', 1n as never), 'INVALID_VALUE')
    await expectCode(s.set('n', { d: new Date() } as never), 'INVALID_VALUE')
    await expectCode(s.set('n', undefined as never), 'INVALID_VALUE')
    expect(await s.toJSON()).toEqual({})
  })
})

describe('Table', () => {
  it('insert (uuid v4), get, set, delete, search, entries', async () => {
    const { db } = await setup()
    const txn = await db.newTransaction()
    const tasks = await txn.getStore('tasks', Table<Task>)
    const a = await tasks.insert({ title: 'a', done: false })
    const b = await tasks.insert({ title: 'b', done: true })
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(a).not.toBe(b)
    await txn.commit()

    const t2 = await db.newTransaction()
    const tasks2 = await t2.getStore('tasks', Table<Task>)
    await tasks2.set(a, { title: 'a2', done: true })
    expect(await tasks2.delete('no-such-id')).toBe(false)
    expect(await tasks2.delete(b)).toBe(true)
    expect(await tasks2.get(b)).toBeUndefined()
    await t2.commit()

    const view = await db.getStore('tasks', Table<Task>)
    expect(await view.get(a)).toEqual({ title: 'a2', done: true })
    expect(await view.get(b)).toBeUndefined()
    expect(await view.get('nope')).toBeUndefined()
    expect(await view.entries()).toEqual([[a, { title: 'a2', done: true }]])
    expect(await view.search((row) => row.done)).toEqual([[a, { title: 'a2', done: true }]])
    expect(await view.search((row) => !row.done)).toEqual([])
    await expectCode(view.insert({ title: 'x', done: false }), 'READ_ONLY')
    await expectCode(view.delete(a), 'READ_ONLY')
  })

  it('runs the API.md quick start shape', async () => {
    const { db } = await setup({ name: 'todos' })
    const txn = await db.newTransaction()
    const tasks = await txn.getStore('tasks', Table<Task>)
    const id = await tasks.insert({ title: 'write docs', done: false })
    await txn.commit()
    const view = await db.getStore('tasks', Table<Task>)
    expect(await view.get(id)).toEqual({ title: 'write docs', done: false })
  })
})

describe('SettingsStore', () => {
  it('getName/setName/get/set and snapshots', async () => {
    const { db } = await setup({ name: 'before', extra: { n: 1 } })
    const txn = await db.newTransaction()
    const s = await txn.getSettingsStore()
    expect(await s.getName()).toBe('before')
    await s.setName('after')
    await s.set('extra', { n: 2 })
    expect(await s.getName()).toBe('after')
    await txn.commit()
    const view = await db.getSettings()
    expect(await view.getName()).toBe('after')
    expect(await view.get('extra')).toEqual({ n: 2 })
    expect(await db.name()).toBe('after')
    await expectCode(view.set('x', 1), 'READ_ONLY')
  })
})
