/**
 * Transports are pluggable (DECISIONS 17): a transport of the app's own,
 * here messages through a shared in-memory "bus" as JSON text, carries the
 * same protocol — bootstrap, incremental sync, and the serving rules.
 */
import { MemoryBackend } from '@engram/backend-memory'
import { Instance } from '@engram/core'
import { Permission } from '@engram/database'
import { afterEach, describe, expect, it } from 'vitest'
import { enableSync, PeerUnreachableError, type RequestHandler, type Transport, type TransportServer } from '../src/index.node.js'
import { contents, expectCode, FAST, openOn, put, shared, type Node } from './helpers.js'

/** A toy transport: `bus:<name>` addresses, JSON text in and out. */
class BusTransport implements Transport {
  static readonly bus = new Map<string, RequestHandler>()
  requests = 0
  handles(address: string): boolean {
    return address.startsWith('bus:')
  }
  async listen(address: string, handler: RequestHandler): Promise<TransportServer> {
    BusTransport.bus.set(address, handler)
    return { address, close: async () => void BusTransport.bus.delete(address) }
  }
  async request(address: string, message: object): Promise<unknown> {
    this.requests++
    const handler = BusTransport.bus.get(address)
    if (handler === undefined) throw new PeerUnreachableError(address)
    const reply = await handler(JSON.parse(JSON.stringify(message)), { remote: 'bus' })
    return JSON.parse(JSON.stringify(reply))
  }
  async close(): Promise<void> {}
}

const open: Node[] = []
afterEach(async () => {
  for (const n of open.splice(0)) await n.sync.close()
})

async function busNode(name: string): Promise<Node & { transport: BusTransport }> {
  const backend = new MemoryBackend()
  const instance = await Instance.open(backend, { argon2: FAST })
  await instance.createUser(name)
  const user = await instance.loginUser(name)
  const sync = await enableSync(instance)
  const transport = new BusTransport()
  sync.enableTransport(transport)
  sync.enableTransport(transport) // idempotent
  const address = await sync.startServer(`bus:${name}`)
  const n = { instance, backend, sync, user, address, transport }
  open.push(n)
  return n
}

describe('a transport of your own', () => {
  it('carries bootstrap and incremental sync; the serving rules hold on it', async () => {
    const a = await busNode('alice')
    const b = await busNode('bob')
    const c = await busNode('carol')
    const db = await shared(a)
    const txn = await db.newTransaction()
    await (await txn.getSettingsStore()).addKey('bob-device', { pubkey: b.instance.devicePublicKey(), permission: Permission.write(5) })
    await txn.commit()
    await put(db, 'x', 1)
    const r = await b.sync.syncWithPeer(a.address, db.id)
    expect(r.received.verified).toBe((await db.getAllEntries()).length)
    expect(await contents(await openOn(b, db.id))).toEqual({ x: 1 })
    await put(db, 'y', 2)
    await b.sync.syncWithPeer(a.address, db.id)
    expect(await contents(await openOn(b, db.id))).toEqual({ x: 1, y: 2 })
    expect(b.transport.requests).toBeGreaterThan(0)
    // A stranger's device gets nothing over this transport either.
    await expectCode(c.sync.syncWithPeer(a.address, db.id), 'DATABASE_NOT_FOUND')
    // An address no transport handles.
    await expectCode(b.sync.syncWithPeer('smoke-signal:far', db.id), 'NO_TRANSPORT')
  })

  it('refuses something that is not a transport', async () => {
    const a = await busNode('dave')
    expect(() => a.sync.enableTransport({} as Transport)).toThrow(TypeError)
  })
})
