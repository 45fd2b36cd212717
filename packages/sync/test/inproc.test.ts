import { afterEach, describe, expect, it } from 'vitest'
import { Permission } from '@engram/database'
import { InProcessNetwork } from '../src/index.node.js'
import { contents, expectCode, node, openOn, put, shared, type Node } from './helpers.js'

const open: Node[] = []
async function make(name: string, net: InProcessNetwork): Promise<Node> {
  const n = await node(name, net)
  open.push(n)
  return n
}
afterEach(async () => {
  for (const n of open.splice(0)) await n.sync.close()
})

describe('sync over the in-process transport', () => {
  it('bootstraps a database shared with a key the peer device proves, then syncs incrementally both ways', async () => {
    const net = new InProcessNetwork({ seed: 1 })
    const a = await make('alice', net)
    const b = await make('bob', net)
    const db = await shared(a)
    // bob's device key gets Write in alice's database
    const txn = await db.newTransaction()
    await (await txn.getSettingsStore()).addKey('bob-device', { pubkey: b.instance.devicePublicKey(), permission: Permission.write(5) })
    await txn.commit()
    await put(db, 'x', 1)
    const r = await b.sync.syncWithPeer(a.address, db.id)
    expect(r.received.verified).toBe((await db.getAllEntries()).length)
    const copy = await openOn(b, db.id)
    expect(await contents(copy)).toEqual({ x: 1 })
    expect(await copy.getTips()).toEqual(await db.getTips())
    await put(db, 'y', 2)
    const r2 = await b.sync.syncWithPeer(a.address, db.id)
    expect(r2.received).toEqual({ verified: 1, pending: 0, failed: 0 })
    expect(r2.sent).toBe(0)
    expect(await contents(await openOn(b, db.id))).toEqual({ x: 1, y: 2 })
    expect(a.sync.peers().map((p) => p.publicKey)).toContain(b.instance.devicePublicKey())
    expect(b.sync.peers().find((p) => p.publicKey === a.instance.devicePublicKey())?.addresses).toContain(a.address)
  })

  it('refuses a private database to a stranger on pull/bootstrap and push: DATABASE_NOT_FOUND', async () => {
    const net = new InProcessNetwork()
    const a = await make('alice', net)
    const b = await make('bob', net)
    const db = await shared(a)
    await put(db, 'secret', 1)
    await expectCode(b.sync.syncWithPeer(a.address, db.id), 'DATABASE_NOT_FOUND')
    expect(await b.backend.has(db.id)).toBe(false)
  })
})

describe('access requests keep what the user set', () => {
  it('a grant to a user who tracks the database already keeps its sync settings and maps the key', async () => {
    const net = new InProcessNetwork()
    const a = await make('alice', net)
    const b = await make('bob', net)
    const db = await shared(a, 'wiki', { wildcard: 'write' })
    const key = await b.user.getDefaultKey()
    await b.sync.requestDatabaseAccess(a.address, db.id, b.user, key, Permission.write(10))
    const settings = { syncEnabled: true, syncOnCommit: false, intervalSeconds: 60 }
    await b.user.trackDatabase({ databaseId: db.id, keyId: key, syncSettings: settings })
    expect(await b.user.keyMapping(key, db.id)).toBe('*')
    // bob now asks for Admin: pending, approved, asked again
    await expectCode(b.sync.requestDatabaseAccess(a.address, db.id, b.user, key, Permission.admin(1)), 'BOOTSTRAP_PENDING')
    const [req] = await a.sync.pendingBootstrapRequests()
    await a.sync.approveBootstrapRequest(req!.requestId, a.user, await a.user.getDefaultKey())
    const again = await b.sync.requestDatabaseAccess(a.address, db.id, b.user, key, Permission.admin(1))
    expect((await b.user.databasePreferences(db.id))?.syncSettings).toEqual(settings)
    expect(await b.user.keyMapping(key, db.id)).toBe(await b.user.getPublicKey(key))
    // the new permission works: bob can change settings
    const txn = await again.newTransaction()
    await (await txn.getSettingsStore()).set('topic', 'bob was here')
    await txn.commit()
  })
})
