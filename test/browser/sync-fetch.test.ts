/**
 * Sync from Chromium: the `fetch` client of `@engram/sync` (the browser
 * entry) against a real Node sync server started by the global setup
 * (sync-server.setup.ts), through CORS.
 */
import { MemoryBackend } from '@engram/backend-memory'
import { IndexedDbBackend } from '@engram/backend-indexeddb'
import { Instance } from '@engram/core'
import { Database, DocStore, Permission } from '@engram/database'
import { enableSync, FetchTransport, type Sync } from '@engram/sync'
import type { User } from '@engram/user'
import { afterEach, describe, expect, inject, it } from 'vitest'

const FAST = { m: 64, t: 1, p: 1 }
const servers = inject('syncServers')
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

async function peer(name: string, backend: MemoryBackend | IndexedDbBackend = new MemoryBackend()): Promise<{ instance: Instance; user: User; sync: Sync }> {
  const instance = await Instance.open(backend, { argon2: FAST })
  await instance.createUser(name, 'pw')
  const user = await instance.loginUser(name, 'pw')
  const sync = await enableSync(instance)
  cleanup.push(() => sync.close())
  sync.enableHttpTransport()
  return { instance, user, sync }
}

const contents = async (db: Database): Promise<Record<string, unknown>> => (await db.getStore('data', DocStore)).toJSON()

describe('sync from Chromium over fetch', () => {
  it('enableHttpTransport gives the fetch client; a browser cannot serve (NO_TRANSPORT)', async () => {
    const { sync } = await peer('solo')
    await expect(sync.startServer('127.0.0.1:0')).rejects.toMatchObject({ code: 'NO_TRANSPORT' })
    expect(new FetchTransport().handles(servers.open)).toBe(true)
  })

  it('two browser instances converge through the Node server (one on IndexedDB)', async () => {
    const name = `engram-sync-fetch-${Math.random().toString(36).slice(2, 8)}`
    const idb = await IndexedDbBackend.open(name)
    cleanup.push(async () => {
      await idb.close()
      indexedDB.deleteDatabase(name)
    })
    const a = await peer('alice', idb)
    const b = await peer('bob')
    const adb = await a.sync.requestDatabaseAccess(servers.open, servers.databaseId, a.user, await a.user.getDefaultKey(), Permission.write(10))
    expect(await contents(adb)).toMatchObject({ 'from-node': 1 })
    const txn = await adb.newTransaction()
    await (await txn.getStore('data', DocStore)).set('from-alice', 2)
    await txn.commit()
    await a.sync.flush()
    await a.sync.syncWithPeer(servers.open, servers.databaseId)
    const bdb = await b.sync.requestDatabaseAccess(servers.open, servers.databaseId, b.user, await b.user.getDefaultKey(), Permission.write(10))
    expect(await contents(bdb)).toMatchObject({ 'from-node': 1, 'from-alice': 2 })
    expect(b.sync.peers().length).toBe(1)
  })

  it('a server that does not allow this page’s origin is unreachable to it (PEER_UNREACHABLE)', async () => {
    const { sync, user } = await peer('carol')
    await expect(sync.requestDatabaseAccess(servers.closed, servers.databaseId, user, await user.getDefaultKey(), Permission.read())).rejects.toMatchObject({
      code: 'PEER_UNREACHABLE',
    })
  })
})
