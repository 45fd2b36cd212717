/**
 * The second-device demo: two instances, each with its own data folder
 * (a MemoryBackend saved to `<dataDir>/device-a|device-b/instance.json`),
 * syncing over HTTP on 127.0.0.1. First run: alice (device A) creates the
 * database `notes` with some history; bob (device B) asks for access, alice
 * approves, bob bootstraps it with progress printed. Every run: both edit
 * while apart (the same key, and keys of their own), then they sync and the
 * demo shows that both hold the same tips and contents.
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { MemoryBackend } from '@engram/backend-memory'
import { Instance } from '@engram/core'
import { Database, DocStore, Permission } from '@engram/database'
import { enableSync, type Sync } from '@engram/sync'
import type { User } from '@engram/user'

export interface TwoDevicesOptions {
  dataDir: string
  out: (line: string) => void
  /** Entries alice writes before bob joins (default 1,500). */
  history?: number
  argon2?: { m: number; t: number; p: number }
}

interface Device {
  file: string
  backend: MemoryBackend
  instance: Instance
  sync: Sync
  user: User
  firstRun: boolean
}

async function openDevice(dataDir: string, name: 'a' | 'b', username: string, options: TwoDevicesOptions): Promise<Device> {
  const dir = join(dataDir, `device-${name}`)
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'instance.json')
  const firstRun = !existsSync(file)
  const backend = firstRun ? new MemoryBackend() : await MemoryBackend.load(file)
  const instance = await Instance.open(backend, options.argon2 ? { argon2: options.argon2 } : {})
  if (firstRun) await instance.createUser(username)
  const user = await instance.loginUser(username)
  // device A sends small pages so bob's bootstrap shows progress
  const sync = await enableSync(instance, name === 'a' ? { pageEntries: 250 } : {})
  sync.enableHttpTransport()
  return { file, backend, instance, sync, user, firstRun }
}

async function write(db: Database, values: Record<string, string | number>): Promise<void> {
  const txn = await db.newTransaction()
  const store = await txn.getStore('notes', DocStore)
  for (const [k, v] of Object.entries(values)) await store.set(k, v)
  await txn.commit()
}

/** Runs the two-device demo; returns the exit code. */
export async function runTwoDevices(options: TwoDevicesOptions): Promise<number> {
  const { out } = options
  const a = await openDevice(options.dataDir, 'a', 'alice', options)
  const b = await openDevice(options.dataDir, 'b', 'bob', options)
  try {
    const address = await a.sync.startServer('127.0.0.1:0')
    out(`Device A (alice) ${a.firstRun ? 'created' : 'reopened'}: ${a.instance.devicePublicKey()}, serving at ${address}`)
    out(`Device B (bob)   ${b.firstRun ? 'created' : 'reopened'}: ${b.instance.devicePublicKey()}`)

    let notesId: string
    if (a.firstRun || b.firstRun) {
      const db = await a.user.createDatabase({ name: 'notes' })
      notesId = db.id
      await a.user.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: true } })
      const history = options.history ?? 1500
      for (let i = 0; i < history; i++) await write(db, { [`line${i % 50}`]: `alice wrote ${i}` })
      out(`alice created "notes" (${history + 1} entries of history).`)

      const bobKey = await b.user.getDefaultKey()
      try {
        await b.sync.requestDatabaseAccess(address, db.id, b.user, bobKey, Permission.write(10))
      } catch (err) {
        if ((err as { code?: string }).code !== 'BOOTSTRAP_PENDING') throw err
        out(`bob asked for Write on "notes": request ${(err as { requestId: string }).requestId} is pending on device A.`)
      }
      for (const r of await a.sync.pendingBootstrapRequests()) {
        await a.sync.approveBootstrapRequest(r.requestId, a.user, await a.user.getDefaultKey())
        out(`alice approved request ${r.requestId} (${r.permission.kind}:${'priority' in r.permission ? r.permission.priority : ''} for bob's key).`)
      }
      let received = 0
      const total = history + 2 // root, the history, the approval
      const stop = b.instance.onWrite('remote', () => {
        received++
        if (received % 250 === 0) out(`  bootstrap: ${received}/${total} entries received and verified…`)
      }, db.id)
      const started = performance.now()
      await b.sync.requestDatabaseAccess(address, db.id, b.user, bobKey, Permission.write(10))
      await b.instance.engine().hooks.settled()
      stop()
      out(`bob bootstrapped "notes": ${received} entries in ${Math.round(performance.now() - started)} ms.`)
      await b.sync.registerSyncPeer({ peerPublicKey: a.instance.devicePublicKey(), databaseId: db.id, addresses: [address] })
    } else {
      notesId = (await a.user.findDatabase('notes'))[0]!.id
      // device A listens on a new port each run: tell B where it is now
      await b.sync.registerSyncPeer({ peerPublicKey: a.instance.devicePublicKey(), databaseId: notesId, addresses: [address] })
      await b.sync.syncWithPeer(address, notesId)
    }

    const aliceDb = await a.user.openDatabase(notesId)
    const bobDb = await b.user.openDatabase(notesId)
    // Apart: A stops serving; both edit the same key and their own keys.
    await a.sync.stopServer()
    const stamp = new Date().toISOString()
    await write(aliceDb, { title: `alice's title (${stamp})`, alice: stamp })
    await write(bobDb, { title: `bob's title (${stamp})`, bob: stamp })
    out('While apart, both set "title" and a key of their own.')
    await a.sync.startServer(address)
    const r = await b.sync.syncWithPeer(address, notesId)
    out(`Back together: bob sent ${r.sent} entries and received ${r.received.verified}.`)

    const viewA = await Database.open(a.instance.engine(), notesId)
    const viewB = await Database.open(b.instance.engine(), notesId)
    const [tipsA, tipsB] = [await viewA.getTips(), await viewB.getTips()]
    const [docA, docB] = [
      await (await viewA.getStore('notes', DocStore)).toJSON(),
      await (await viewB.getStore('notes', DocStore)).toJSON(),
    ]
    const same = JSON.stringify(tipsA) === JSON.stringify(tipsB) && JSON.stringify(docA) === JSON.stringify(docB)
    out(`Device A: title = ${JSON.stringify(docA.title)}, tips ${tipsA.map((t) => t.slice(7, 15)).join(',')}`)
    out(`Device B: title = ${JSON.stringify(docB.title)}, tips ${tipsB.map((t) => t.slice(7, 15)).join(',')}`)
    out(same ? 'Converged: both devices hold the same tips and the same contents.' : 'NOT converged.')
    await a.backend.save(a.file)
    await b.backend.save(b.file)
    out(`Saved ${a.file} and ${b.file}.`)
    return same ? 0 : 1
  } catch (err) {
    out(`The two-device demo failed: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  } finally {
    await a.sync.close()
    await b.sync.close()
  }
}
