import { afterEach, describe, expect, it, vi } from 'vitest'
import { DocStore } from '@engram/database'
import { InProcessNetwork } from '../src/index.node.js'
import { contents, expectCode, node, openOn, put, shared, type Node } from './helpers.js'
import { handshake, post, rawKey } from './wire.js'

const open: Node[] = []
async function make(name: string, where: InProcessNetwork | 'http', options = {}): Promise<Node> {
  const n = await node(name, where, options)
  open.push(n)
  return n
}
afterEach(async () => {
  for (const n of open.splice(0)) await n.sync.close()
})

/** Retries `check` until it passes (vitest's `vi.waitFor`), failing after `timeout` ms. */
const eventually = (check: () => unknown, timeout = 5000) => vi.waitFor(check, { timeout, interval: 20 })

describe('InProcessNetwork faults', () => {
  it('a dropped message fails at once with PEER_UNREACHABLE; a partition cuts both ways until heal()', async () => {
    const net = new InProcessNetwork({ seed: 7 })
    const a = await make('a', net)
    const b = await make('b', net)
    const c = await make('c', net)
    const db = await shared(a, 'open', { wildcard: 'write' })
    net.configure({ dropRate: 1 })
    const t = Date.now()
    await expectCode(b.sync.syncWithPeer(a.address, db.id), 'PEER_UNREACHABLE')
    expect(Date.now() - t).toBeLessThan(1000)
    net.configure({ dropRate: 0 })
    net.partition([a.address], [b.address, 'inproc:elsewhere'])
    await expectCode(b.sync.syncWithPeer(a.address, db.id), 'PEER_UNREACHABLE')
    await c.sync.syncWithPeer(a.address, db.id) // c is not cut off
    net.heal()
    await b.sync.syncWithPeer(a.address, db.id)
    expect(await b.backend.has(db.id)).toBe(true)
    await expectCode(b.sync.syncWithPeer('inproc:nobody', db.id), 'PEER_UNREACHABLE')
    expect(() => net.configure({ dropRate: 2 })).toThrow(RangeError)
  })

  it('the same seed gives the same fault schedule', async () => {
    const x = new InProcessNetwork({ seed: 42 })
    const y = new InProcessNetwork({ seed: 42 })
    const z = new InProcessNetwork({ seed: 43 })
    const xs = Array.from({ length: 8 }, () => x.random())
    expect(Array.from({ length: 8 }, () => y.random())).toEqual(xs)
    expect(Array.from({ length: 8 }, () => z.random())).not.toEqual(xs)
  })

  it('an in-process address must be inproc:<name>; two servers cannot share one', async () => {
    const net = new InProcessNetwork()
    const a = await make('a', net)
    await expectCode(a.sync.startServer('inproc:b'), 'SERVER_RUNNING')
    const b = await make('b2', net)
    await b.sync.stopServer()
    await expectCode(b.sync.startServer('inproc:a'), 'SERVER_RUNNING')
    await expectCode(b.sync.startServer('127.0.0.1:0'), 'NO_TRANSPORT')
  })
})

describe('peers and automatic sync', () => {
  it('a stranger handshaking is listed in memory only; an authorized exchange records it in _sync', async () => {
    const a = await make('alice', 'http')
    const db = await shared(a, 'open', { wildcard: 'read' })
    const stranger = await rawKey()
    const { token } = await handshake(a.address, stranger)
    expect(a.sync.peers().map((p) => p.publicKey)).toContain(stranger.publicKey)
    const stored = async () => Object.keys(await (await (await openOn(a, a.sync.syncDatabaseId)).getStore('peers', DocStore)).toJSON())
    expect(await stored()).toEqual([])
    expect((await post(a.address, { v: 1, type: 'pull', token, databaseId: db.id, tips: [] })).status).toBe(200)
    await eventually(async () => expect(await stored()).toEqual([stranger.publicKey]))
    expect(a.sync.peers().find((p) => p.publicKey === stranger.publicKey)?.databases).toEqual([db.id])
  })

  it('periodic sync at the shortest intervalSeconds delivers commits without syncOnCommit', async () => {
    const net = new InProcessNetwork()
    const a = await make('alice', net)
    const b = await make('bob', net)
    const db = await shared(a, 'open', { wildcard: 'write' })
    await b.sync.syncWithPeer(a.address, db.id)
    await b.user.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: false, intervalSeconds: 1 } })
    await b.sync.registerSyncPeer({ peerPublicKey: a.instance.devicePublicKey(), databaseId: db.id, addresses: [a.address] })
    await put(db, 'tick', 1)
    await eventually(async () => expect(await contents(await openOn(b, db.id))).toEqual({ tick: 1 }), 4000)
  })

  it('a handle reports pending → synced; flush() with nothing queued resolves', async () => {
    const net = new InProcessNetwork()
    const a = await make('alice', net)
    const b = await make('bob', net)
    const db = await shared(a, 'open', { wildcard: 'write' })
    const h = await b.sync.registerSyncPeer({ peerPublicKey: a.instance.devicePublicKey(), databaseId: db.id, addresses: [a.address] })
    expect(h.status()).toEqual({ state: 'pending' })
    await b.sync.flush()
    await h.waitForInitialSync()
    expect(h.status().state).toBe('synced')
    expect(typeof h.status().lastSyncAt).toBe('number')
  })

  it('sync on commit: one commit reaches the registered peer without a call; disabling tracking stops it at once', async () => {
    const net = new InProcessNetwork()
    const a = await make('alice', net)
    const b = await make('bob', net)
    const db = await shared(a, 'open', { wildcard: 'write', onCommit: true })
    await b.sync.syncWithPeer(a.address, db.id)
    await b.user.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: true } })
    await a.sync.registerSyncPeer({ peerPublicKey: b.instance.devicePublicKey(), databaseId: db.id, addresses: [b.address] })
    await put(db, 'pushed', 1)
    await eventually(async () => expect(await contents(await openOn(b, db.id))).toEqual({ pushed: 1 }))
    // bob stops serving it: alice's next push is refused (DATABASE_NOT_FOUND), nothing arrives
    await b.user.untrackDatabase(db.id)
    await put(db, 'refused', 1)
    const h = await a.sync.registerSyncPeer({ peerPublicKey: b.instance.devicePublicKey(), databaseId: db.id, addresses: [b.address] })
    await eventually(() => expect(h.status().state).toBe('failed'))
    expect(h.status().lastError).toMatch(/DATABASE_NOT_FOUND/)
    expect(await contents(await openOn(b, db.id))).toEqual({ pushed: 1 })
  })
})

describe('HTTP limits', () => {
  it('requests over the in-flight cap of one peer get 503 BUSY; the server keeps serving', async () => {
    const a = await make('alice', 'http', { http: { maxInFlightPerPeer: 1 } })
    const me = await rawKey()
    const hello = { v: 1, type: 'hello', clientKey: me.publicKey, clientChallenge: 'AAAA' }
    // one request whose body is still arriving holds the only slot
    const { connect } = await import('node:net')
    const [host, port] = a.address.split(':')
    const slow = connect(Number(port), host)
    await new Promise((r) => slow.once('connect', r))
    slow.write(`POST /engram/v1/sync HTTP/1.1\r\nHost: ${a.address}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{`)
    await new Promise((r) => setTimeout(r, 100))
    const busy = await post(a.address, hello)
    expect(busy.status).toBe(503)
    expect(busy.json.error.code).toBe('BUSY')
    slow.destroy()
    await eventually(async () => expect((await post(a.address, hello)).status).toBe(200))
  })
})
