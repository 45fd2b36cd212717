import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MemoryBackend } from '@engram/backend-memory'
import { Instance } from '@engram/core'
import { DocStore, Permission } from '@engram/database'
import { enableSync, type BootstrapPendingError, type SyncOptions } from '../src/index.node.js'
import { contents, expectCode, FAST, node, openOn, put, shared, type Node } from './helpers.js'

const open: Node[] = []
/** The client the nodes of the running suite use: node:http (the default on Node) or fetch. */
let client: SyncOptions = {}
async function make(name: string, backend?: MemoryBackend): Promise<Node> {
  const n = await node(name, 'http', client, backend)
  open.push(n)
  return n
}
afterEach(async () => {
  for (const n of open.splice(0)) await n.sync.close()
})

/** Retries `check` until it passes (vitest's `vi.waitFor`), failing after `timeout` ms. */
const eventually = (check: () => unknown, timeout = 5000) => vi.waitFor(check, { timeout, interval: 20 })

/** Alice's database, and Bob granted Write through an approved request over HTTP. */
async function pair() {
  const a = await make('alice')
  const b = await make('bob')
  const db = await shared(a, 'notes', { onCommit: true })
  await put(db, 'from-alice', 1)
  const bobKey = await b.user.getDefaultKey()
  const err = (await expectCode(b.sync.requestDatabaseAccess(a.address, db.id, b.user, bobKey, Permission.write(10)), 'BOOTSTRAP_PENDING')) as BootstrapPendingError
  const [req] = await a.sync.pendingBootstrapRequests()
  expect(req!.requestId).toBe(err.requestId)
  await a.sync.approveBootstrapRequest(req!.requestId, a.user, await a.user.getDefaultKey())
  const bdb = await b.sync.requestDatabaseAccess(a.address, db.id, b.user, bobKey, Permission.write(10))
  return { a, b, db, bdb }
}

const CLIENTS: [string, SyncOptions][] = [
  ['node:http', {}],
  ['fetch', { http: { fetch: globalThis.fetch } }],
]

describe.each(CLIENTS)('sync over HTTP on 127.0.0.1 (%s client)', (_, options) => {
  beforeEach(() => {
    client = options
  })
  it('lifecycle: NO_TRANSPORT, SERVER_RUNNING, SERVER_NOT_RUNNING, restartable server, SYNC_CLOSED after close', async () => {
    const instance = await Instance.open(new MemoryBackend(), { argon2: FAST })
    const sync = await enableSync(instance)
    expect(await instance.enableSync()).toBe(sync)
    expect(instance.sync()).toBe(sync)
    await expectCode(sync.startServer('127.0.0.1:0'), 'NO_TRANSPORT')
    await expectCode(sync.stopServer(), 'SERVER_NOT_RUNNING')
    sync.enableHttpTransport()
    const addr = await sync.startServer('127.0.0.1:0')
    expect(addr).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(sync.serverAddress()).toBe(addr)
    await expectCode(sync.startServer('127.0.0.1:0'), 'SERVER_RUNNING')
    await sync.stopServer()
    expect(sync.serverAddress()).toBeUndefined()
    const again = await sync.startServer('127.0.0.1:0')
    expect(again).toMatch(/^127\.0\.0\.1:\d+$/)
    await sync.close()
    await sync.close()
    expect(() => sync.peers()).toThrow(expect.objectContaining({ code: 'SYNC_CLOSED' }))
    await expectCode(sync.syncWithPeer(again), 'SYNC_CLOSED')
    expect(instance.sync()).toBeUndefined()
    const fresh = await instance.enableSync()
    expect(fresh).not.toBe(sync)
    expect(fresh.syncDatabaseId).toBe(sync.syncDatabaseId)
    await fresh.close()
  })

  it('_sync is recorded in _instance: systemDatabaseIds().sync before/after enabling and after reopen', async () => {
    const backend = new MemoryBackend()
    const instance = await Instance.open(backend, { argon2: FAST })
    expect(instance.systemDatabaseIds().sync).toBeUndefined()
    const sync = await enableSync(instance)
    expect(instance.systemDatabaseIds().sync).toBe(sync.syncDatabaseId)
    await sync.registerSyncPeer({ peerPublicKey: instance.devicePublicKey(), databaseId: 'sha256:' + '11'.repeat(32), addresses: ['127.0.0.1:9'] })
    await sync.close()
    const reopened = await Instance.open(backend, { argon2: FAST })
    expect(reopened.systemDatabaseIds().sync).toBe(sync.syncDatabaseId)
    expect(reopened.sync()).toBeUndefined()
    const s2 = await enableSync(reopened)
    expect(s2.syncDatabaseId).toBe(sync.syncDatabaseId)
    expect(s2.peers()).toEqual([{ publicKey: instance.devicePublicKey(), addresses: ['127.0.0.1:9'], databases: ['sha256:' + '11'.repeat(32)] }])
    await s2.close()
  })

  it('bootstrap by approved request, then incremental both ways and sync on commit', async () => {
    const { a, b, db, bdb } = await pair()
    expect(await contents(bdb)).toEqual({ 'from-alice': 1 })
    expect((await a.sync.bootstrapRequests('approved'))[0]).toMatchObject({
      databaseId: db.id,
      requesterPublicKey: await b.user.getPublicKey(await b.user.getDefaultKey()),
      permission: Permission.write(10),
      status: 'approved',
      decidedBy: await a.user.getPublicKey(await a.user.getDefaultKey()),
    })
    expect(await b.user.databasePreferences(db.id)).toMatchObject({ syncSettings: { syncEnabled: true, syncOnCommit: true } })
    // Bob writes: goes to alice with no further call (bob registered alice as the peer of this database)
    await put(bdb, 'from-bob', 2)
    await eventually(async () => expect(await contents(await openOn(a, db.id))).toEqual({ 'from-alice': 1, 'from-bob': 2 }))
    // Alice writes; Bob syncs explicitly
    await put(db, 'more', 3)
    const r = await b.sync.syncWithPeer(a.address, db.id)
    expect(r.received.verified).toBe(1)
    expect(await contents(await openOn(b, db.id))).toEqual({ 'from-alice': 1, 'from-bob': 2, more: 3 })
  })

  it('rejection: BOOTSTRAP_REJECTED, nothing stored; approval errors are typed', async () => {
    const a = await make('alice')
    const b = await make('bob')
    const db = await shared(a)
    const key = await b.user.getDefaultKey()
    await expectCode(b.sync.requestDatabaseAccess(a.address, db.id, b.user, key, Permission.read()), 'BOOTSTRAP_PENDING')
    // asking again while pending: the same request
    await expectCode(b.sync.requestDatabaseAccess(a.address, db.id, b.user, key, Permission.read()), 'BOOTSTRAP_PENDING')
    const pending = await a.sync.pendingBootstrapRequests()
    expect(pending).toHaveLength(1)
    const id = pending[0]!.requestId
    await expectCode(a.sync.approveBootstrapRequest('nope', a.user, await a.user.getDefaultKey()), 'REQUEST_NOT_FOUND')
    await expectCode(a.sync.approveBootstrapRequest(id, a.user, 'ed25519:nope'), 'KEY_NOT_FOUND')
    // a Write-only user of the database cannot decide
    await a.instance.createUser('carol')
    const carol = await a.instance.loginUser('carol')
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).addKey('carol', { pubkey: await carol.getPublicKey(await carol.getDefaultKey()), permission: Permission.write(3) })
    await t.commit()
    await expectCode(a.sync.rejectBootstrapRequest(id, carol, await carol.getDefaultKey()), 'UNAUTHORIZED')
    await a.sync.rejectBootstrapRequest(id, a.user, await a.user.getDefaultKey())
    await expectCode(a.sync.approveBootstrapRequest(id, a.user, await a.user.getDefaultKey()), 'REQUEST_NOT_PENDING')
    await expectCode(b.sync.requestDatabaseAccess(a.address, db.id, b.user, key, Permission.read()), 'BOOTSTRAP_REJECTED')
    expect(await b.backend.has(db.id)).toBe(false)
    expect((await a.sync.bootstrapRequests('rejected'))[0]!.status).toBe('rejected')
  })

  it('approval cannot grant more than the approver holds (DECISIONS 7): UNAUTHORIZED, nothing changes', async () => {
    const a = await make('alice')
    const b = await make('bob')
    const db = await shared(a)
    await a.instance.createUser('dave')
    const dave = await a.instance.loginUser('dave')
    const daveKey = await dave.getDefaultKey()
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).addKey('dave', { pubkey: await dave.getPublicKey(daveKey), permission: Permission.admin(5) })
    await t.commit()
    await expectCode(b.sync.requestDatabaseAccess(a.address, db.id, b.user, await b.user.getDefaultKey(), Permission.admin(1)), 'BOOTSTRAP_PENDING')
    const [req] = await a.sync.pendingBootstrapRequests()
    const before = await db.getTips()
    await expectCode(a.sync.approveBootstrapRequest(req!.requestId, dave, daveKey), 'UNAUTHORIZED')
    expect(await (await openOn(a, db.id)).getTips()).toEqual(before)
    expect((await a.sync.pendingBootstrapRequests())[0]!.requestId).toBe(req!.requestId)
  })

  it('a database open to * is granted at once without a request; an unserved one → DATABASE_NOT_FOUND, no request', async () => {
    const a = await make('alice')
    const b = await make('bob')
    const pub = await shared(a, 'wiki', { wildcard: 'write' })
    await put(pub, 'page', 'hi')
    const bdb = await b.sync.requestDatabaseAccess(a.address, pub.id, b.user, await b.user.getDefaultKey(), Permission.write(10))
    expect(await contents(bdb)).toEqual({ page: 'hi' })
    await put(bdb, 'edit', 'bob')
    expect(await a.sync.bootstrapRequests()).toEqual([])
    const hidden = await a.user.createDatabase({ name: 'untracked' })
    await expectCode(b.sync.requestDatabaseAccess(a.address, hidden.id, b.user, await b.user.getDefaultKey(), Permission.read()), 'DATABASE_NOT_FOUND')
    expect(await a.sync.bootstrapRequests()).toEqual([])
  })

  it('concurrent edits on both sides converge (same tips, same contents), fork of one store on both', async () => {
    const { a, b, db, bdb } = await pair()
    await b.sync.flush()
    // offline edits on both, to the same store and keys
    for (let i = 0; i < 5; i++) {
      const ta = await db.newTransaction()
      await (await ta.getStore('shared', DocStore)).set(`k${i}`, `alice${i}`)
      await ta.commit()
      const tb = await bdb.newTransaction()
      await (await tb.getStore('shared', DocStore)).set(`k${i}`, `bob${i}`)
      await (await tb.getStore('bobonly', DocStore)).set(`n${i}`, i)
      await tb.commit()
    }
    await b.sync.syncWithPeer(a.address, db.id)
    const av = await openOn(a, db.id)
    const bv = await openOn(b, db.id)
    expect(await av.getTips()).toEqual(await bv.getTips())
    expect(await (await av.getStore('shared', DocStore)).toJSON()).toEqual(await (await bv.getStore('shared', DocStore)).toJSON())
    expect(await (await av.getStore('bobonly', DocStore)).toJSON()).toEqual({ n0: 0, n1: 1, n2: 2, n3: 3, n4: 4 })
  })

  it('a peer offline then back: the commit stays queued (status failed) and is delivered by flush/retry', async () => {
    const { a, b, db, bdb } = await pair()
    const address = a.address
    await a.sync.stopServer()
    await put(bdb, 'offline', 1)
    const handle = await b.sync.registerSyncPeer({ peerPublicKey: a.instance.devicePublicKey(), databaseId: db.id, addresses: [address] })
    await eventually(async () => expect(handle.status().state).toBe('failed'))
    expect(handle.status().lastError).toMatch(/PEER_UNREACHABLE/)
    const port = Number(address.split(':')[1])
    await a.sync.startServer(`127.0.0.1:${port}`)
    await b.sync.flush()
    expect(handle.status().state).toBe('synced')
    expect(await contents(await openOn(a, db.id))).toMatchObject({ offline: 1 })
  })

  it('a server restarted on the same port is reached at once (a pooled keep-alive socket it closed is retried on a new one)', async () => {
    const a = await make('alice')
    const b = await make('bob')
    const db = await shared(a, 'open', { wildcard: 'write' })
    await b.sync.syncWithPeer(a.address, db.id)
    for (let i = 0; i < 3; i++) {
      const address = a.address
      await a.sync.stopServer()
      await a.sync.startServer(address)
      await put(db, `k${i}`, i)
      expect((await b.sync.syncWithPeer(address, db.id)).received.verified).toBe(1)
    }
  })

  it('the retry queue survives a restart of the client', async () => {
    const backend = new MemoryBackend()
    const a = await make('alice')
    const db = await shared(a, 'open', { wildcard: 'write' })
    const b1 = await node('bob', 'http', client, backend)
    const bdb1 = await b1.sync.requestDatabaseAccess(a.address, db.id, b1.user, await b1.user.getDefaultKey(), Permission.write(10))
    const address = a.address
    await a.sync.stopServer()
    await put(bdb1, 'queued', 1)
    await eventually(async () => {
      const marks = await (await openOn(b1, b1.sync.syncDatabaseId)).getStore('queue', DocStore)
      expect(Object.keys(await marks.toJSON())).toHaveLength(1)
    })
    await b1.sync.close()
    // restart bob on the same backend; alice comes back on the same port
    await a.sync.startServer(address)
    const b2 = await make('bob', backend)
    await b2.sync.flush()
    expect(await contents(await openOn(a, db.id))).toMatchObject({ queued: 1 })
  })

  it('registerSyncPeer with a wrong peerPublicKey → HANDSHAKE_FAILED', async () => {
    const a = await make('alice')
    const b = await make('bob')
    const db = await shared(a, 'open', { wildcard: 'read' })
    await b.sync.registerSyncPeer({ peerPublicKey: b.instance.devicePublicKey(), databaseId: db.id, addresses: [a.address] })
    await expectCode(b.sync.syncWithPeer(a.address, db.id), 'HANDSHAKE_FAILED')
  })

  it('waitForInitialSync bootstraps a database not held locally; an unreachable address → PEER_UNREACHABLE', async () => {
    const a = await make('alice')
    const b = await make('bob')
    const db = await shared(a, 'open', { wildcard: 'read' })
    await put(db, 'x', 1)
    const h = await b.sync.registerSyncPeer({ peerPublicKey: a.instance.devicePublicKey(), databaseId: db.id, addresses: [a.address] })
    expect(h.status().state).toBe('pending')
    await h.waitForInitialSync()
    expect(h.status().state).toBe('synced')
    expect(await contents(await openOn(b, db.id))).toEqual({ x: 1 })
    await expectCode(b.sync.syncWithPeer('127.0.0.1:1', db.id), 'PEER_UNREACHABLE')
  })

  it('three instances: a commit on one reaches the others through syncs', async () => {
    const a = await make('alice')
    const b = await make('bob')
    const c = await make('carol')
    const db = await shared(a, 'team', { wildcard: 'write' })
    for (const n of [b, c]) await n.sync.requestDatabaseAccess(a.address, db.id, n.user, await n.user.getDefaultKey(), Permission.write(10))
    await put(await c.user.openDatabase(db.id), 'carol', 1)
    await put(await b.user.openDatabase(db.id), 'bob', 1)
    await put(db, 'alice', 1)
    await b.sync.syncWithPeer(a.address, db.id)
    await c.sync.syncWithPeer(a.address, db.id)
    await b.sync.syncWithPeer(a.address, db.id)
    const tips = await db.getTips()
    for (const n of [b, c]) expect(await (await openOn(n, db.id)).getTips()).toEqual(tips)
    expect(await contents(await openOn(c, db.id))).toEqual({ alice: 1, bob: 1, carol: 1 })
  })
})
