/**
 * The whole stack in Chromium on its real IndexedDB: an Instance with a
 * password user, a database and commits, closed and opened again as after a
 * page reload; and a second handle (a second tab) that sees the first one's
 * commits through `watch`.
 */
import type { ChangedEntry } from '@engram/backend-api'
import { IndexedDbBackend } from '@engram/backend-indexeddb'
import { Instance } from '@engram/core'
import { Table } from '@engram/database'
import { afterEach, describe, expect, it } from 'vitest'

type Task = { title: string; done: boolean }
const FAST = { m: 64, t: 1, p: 1 }

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

let n = 0
function dbName(): string {
  return `engram-instance-${++n}-${Math.random().toString(36).slice(2, 8)}`
}

async function openBackend(name: string): Promise<IndexedDbBackend> {
  const b = await IndexedDbBackend.open(name)
  cleanup.push(() => b.close())
  return b
}

function deleteDb(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase(name)
    r.onsuccess = () => resolve()
    r.onerror = () => reject(r.error)
  })
}

describe('Instance on IndexedDB in Chromium', () => {
  it('keeps the device key, the password user and committed rows across a reload', async () => {
    const name = dbName()
    cleanup.push(() => deleteDb(name))
    const first = await IndexedDbBackend.open(name)
    const instance = await Instance.open(first, { argon2: FAST })
    const deviceKey = instance.devicePublicKey()
    await instance.createUser('alice', 'correct horse')
    const alice = await instance.loginUser('alice', 'correct horse')
    const db = await alice.createDatabase({ name: 'todos' })
    const txn = await db.newTransaction()
    const tasks = await txn.getStore('tasks', Table<Task>)
    const rowId = await tasks.insert({ title: 'write docs', done: false })
    await txn.commit()
    const second = await db.newTransaction()
    await (await second.getStore('tasks', Table<Task>)).set(rowId, { title: 'write docs', done: true })
    await second.commit()
    await first.close() // the tab goes away

    const reloaded = await openBackend(name)
    const again = await Instance.open(reloaded, { argon2: FAST })
    expect(again.devicePublicKey()).toBe(deviceKey)
    expect(await again.listUsers()).toEqual(['alice'])
    await expect(again.loginUser('alice', 'wrong')).rejects.toMatchObject({ code: 'INVALID_PASSWORD' })
    const aliceAgain = await again.loginUser('alice', 'correct horse')
    const [found] = await aliceAgain.findDatabase('todos')
    expect(found!.id).toBe(db.id)
    const view = await found!.getStore('tasks', Table<Task>)
    expect(await view.get(rowId)).toEqual({ title: 'write docs', done: true })
  })

  it('a second tab on the same database sees the first one’s commits through watch', async () => {
    const name = dbName()
    cleanup.push(() => deleteDb(name))
    const tabA = await openBackend(name)
    const instanceA = await Instance.open(tabA, { argon2: FAST })
    await instanceA.createUser('bob')
    const bob = await instanceA.loginUser('bob')
    const db = await bob.createDatabase({ name: 'shared' })

    const tabB = await openBackend(name)
    const seen: ChangedEntry[] = []
    tabB.watch((entries) => seen.push(...entries))
    const txn = await db.newTransaction()
    const rowId = await (await txn.getStore('tasks', Table<Task>)).insert({ title: 'from tab A', done: false })
    const entryId = await txn.commit()

    const until = Date.now() + 5000
    while (!seen.some((e) => e.id === entryId) && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    expect(seen.find((e) => e.id === entryId)).toMatchObject({ status: 'verified' })
    expect(await tabB.getTips(db.id)).toEqual([entryId])

    // Tab B opens its own Instance on what it now holds and reads the row.
    const instanceB = await Instance.open(tabB, { argon2: FAST })
    expect(instanceB.devicePublicKey()).toBe(instanceA.devicePublicKey())
    const bobB = await instanceB.loginUser('bob')
    const view = await (await bobB.openDatabase(db.id)).getStore('tasks', Table<Task>)
    expect(await view.get(rowId)).toEqual({ title: 'from tab A', done: false })
  })
})
