import { describe, expect, it } from 'vitest'
import { DocStore, Table } from '@engram/database'
import { setup } from './helpers.js'

describe('vertical slice', () => {
  it('creates a database, commits a DocStore and Table write, reads it back', async () => {
    const { db } = await setup({ name: 'todos' })
    expect(await db.name()).toBe('todos')
    expect(await db.getTips()).toEqual([db.id])
    const txn = await db.newTransaction()
    const doc = await txn.getStore('doc', DocStore)
    await doc.set('a', 1)
    await doc.setPath('b.c', 'x')
    const tasks = await txn.getStore('tasks', Table<{ title: string }>)
    const id = await tasks.insert({ title: 'write docs' })
    expect(await tasks.get(id)).toEqual({ title: 'write docs' })
    const entryId = await txn.commit()
    expect(await db.getTips()).toEqual([entryId])
    const view = await db.getStore('doc', DocStore)
    expect(await view.toJSON()).toEqual({ a: 1, b: { c: 'x' } })
    const t = await db.getStore('tasks', Table<{ title: string }>)
    expect(await t.get(id)).toEqual({ title: 'write docs' })
  })
})
