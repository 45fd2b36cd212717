/**
 * Database and store names (issue 8 item 6): no control characters, at
 * most 255 UTF-16 code units. A database name breaking that is refused
 * with INVALID_SETTINGS (it is `settings.name`), a store name with
 * INVALID_STORE_NAME; nothing is stored.
 */
import { describe, expect, it } from 'vitest'
import { Database, DocStore, MAX_NAME_LENGTH } from '@engram/database'
import { expectCode, keyFromSeed, newEngine, setup } from './helpers.js'

const BAD = ['a\u0000b', 'line\nbreak', 'tab\t', 'bell\u0007', 'del\u007f', 'c1\u0085', 'x'.repeat(MAX_NAME_LENGTH + 1)]
const GOOD = ['todos', 'tâches', 'ユーザー', 'a b', 'x'.repeat(MAX_NAME_LENGTH)]

describe('database names', () => {
  it('Database.create refuses control characters and over-long names; nothing is stored', async () => {
    const engine = newEngine()
    const signer = { key: await keyFromSeed(1), sigKey: 'admin' }
    for (const name of BAD) await expectCode(Database.create(engine, { name }, signer), 'INVALID_SETTINGS')
    expect(await engine.backend.rootIds()).toEqual([])
    for (const name of GOOD) expect(await (await Database.create(engine, { name }, signer)).name()).toBe(name)
  })

  it('setName refuses them too, before anything is staged', async () => {
    const { db } = await setup()
    const txn = await db.newTransaction()
    const settings = await txn.getSettingsStore()
    for (const name of BAD) await expectCode(settings.setName(name), 'INVALID_SETTINGS')
    await settings.setName('renamed')
    await txn.commit()
    expect(await db.name()).toBe('renamed')
  })
})

describe('store names', () => {
  it('getStore refuses control characters and over-long names', async () => {
    const { db } = await setup()
    const txn = await db.newTransaction()
    for (const name of BAD) await expectCode(txn.getStore(name, DocStore), 'INVALID_STORE_NAME')
    for (const name of GOOD) await (await txn.getStore(name, DocStore)).set('k', name)
    await txn.commit()
    for (const name of GOOD) expect(await (await db.getStore(name, DocStore)).get('k')).toBe(name)
  })
})
