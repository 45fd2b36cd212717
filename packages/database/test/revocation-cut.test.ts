/**
 * The revocation cut (DECISIONS 18): a revocation holds against concurrent
 * branches, on the replica that made it and on every replica that receives
 * the same entries.
 */
import { DocStore, Permission, type Database, type Id } from '@engram/database'
import { describe, expect, it } from 'vitest'
import { coldCopy, expectCode, keyFromSeed, newEngine, pub, settle, team, write } from './helpers.js'

async function valueOf(db: Database, key: string): Promise<unknown> {
  return (await db.getStore('s', DocStore)).get(key)
}

/** The same database on a fresh replica that received every entry at once. */
async function replicaOf(db: Database): Promise<Database> {
  const engine = newEngine()
  const r = await engine.receiveEntries(await db.getAllEntries())
  expect(r.failed).toEqual([])
  const { Database: D } = await import('@engram/database')
  return D.open(engine, db.id)
}

describe('revocation cut', () => {
  it('a revoked key writing at tips from before its revocation: stored and verified, never shown, on every replica', async () => {
    const t = await team()
    const before = await write(t.db, { base: 1 })
    const asWriter = t.as(t.keys.writer, 'writer')
    const revocation = await settle(t.db, (s) => s.revokeKey('writer'))
    const backdated = await write(asWriter, { backdated: true }, [before])
    expect(await t.engine.backend.getStatus(backdated)).toBe('verified')
    expect(await valueOf(t.db, 'backdated')).toBeUndefined()
    expect(await valueOf(t.db, 'base')).toBe(1)
    // Admin writes after the merge still count; the writer's do not.
    await write(t.db, { later: 2 })
    expect(await valueOf(t.db, 'later')).toBe(2)
    await expectCode(write(asWriter, { again: 1 }), 'UNAUTHORIZED')
    const replica = await replicaOf(t.db)
    expect(await valueOf(replica, 'backdated')).toBeUndefined()
    expect(await valueOf(replica, 'later')).toBe(2)
    void revocation
  })

  it('a revoked Admin cannot add a new Admin on an old branch: the key it added loses its writes too', async () => {
    const t = await team()
    const before = await write(t.db, { base: 1 })
    await settle(t.db, (s) => s.revokeKey('admin1'))
    const asAdmin1 = t.as(t.keys.admin1, 'admin1')
    const sleeper = await keyFromSeed(40)
    // On the branch that never saw the revocation, admin1 adds an Admin(1) key…
    const added = await settle(asAdmin1, (s) => s.addKey('sleeper', { pubkey: pub(sleeper), permission: Permission.admin(1) }), [before])
    const asSleeper = t.as(sleeper, 'sleeper')
    const onBranch = await write(asSleeper, { sleeperBranch: true }, [added])
    // …which then writes at the merged head.
    const tips = await t.db.getTips()
    expect(tips).toContain(onBranch)
    await expectCode(write(asSleeper, { sleeperHead: true }), 'UNAUTHORIZED')
    expect(await valueOf(t.db, 'sleeperBranch')).toBeUndefined()
    expect((await (await t.db.getSettings()).getKey('sleeper'))).toBeUndefined()
    const replica = await replicaOf(t.db)
    expect(await valueOf(replica, 'sleeperBranch')).toBeUndefined()
    expect(await (await replica.getSettings()).getKey('sleeper')).toBeUndefined()
  })

  it('a revoked Admin(1) cannot un-revoke itself on a deeper concurrent branch', async () => {
    const t = await team()
    const before = await write(t.db, { base: 1 })
    await settle(t.db, (s) => s.revokeKey('admin1'))
    const asAdmin1 = t.as(t.keys.admin1, 'admin1')
    // A few entries deeper than the revocation, so it comes later in the DAG order.
    let tip: Id = before
    for (let i = 0; i < 3; i++) tip = await write(asAdmin1, { [`deep${i}`]: i }, [tip])
    await settle(asAdmin1, (s) => s.setKey('admin1', { pubkey: pub(t.keys.admin1), permission: Permission.admin(1), status: 'active' }), [tip])
    const key = await (await t.db.getSettings()).getKey('admin1')
    expect(key?.status).toBe('revoked')
    expect(await valueOf(t.db, 'deep0')).toBeUndefined()
    await expectCode(write(asAdmin1, { head: 1 }), 'UNAUTHORIZED')
    const replica = await replicaOf(t.db)
    expect((await (await replica.getSettings()).getKey('admin1'))?.status).toBe('revoked')
  })

  it('equal admins revoking each other concurrently: both revocations hold', async () => {
    const t = await team()
    const peer = await keyFromSeed(41)
    await settle(t.db, (s) => s.addKey('admin1b', { pubkey: pub(peer), permission: Permission.admin(1) }))
    const fork = (await t.db.getTips())[0]!
    const asA = t.as(t.keys.admin1, 'admin1')
    const asB = t.as(peer, 'admin1b')
    await settle(asA, (s) => s.revokeKey('admin1b'), [fork])
    await settle(asB, (s) => s.revokeKey('admin1'), [fork])
    const settings = await t.db.getSettings()
    expect((await settings.getKey('admin1'))?.status).toBe('revoked')
    expect((await settings.getKey('admin1b'))?.status).toBe('revoked')
    await expectCode(write(asA, { a: 1 }), 'UNAUTHORIZED')
    await expectCode(write(asB, { b: 1 }), 'UNAUTHORIZED')
  })

  it('a weaker admin\'s concurrent grant does not undo a stronger admin\'s revocation; a stronger one\'s does', async () => {
    const t = await team()
    const fork = await write(t.db, { base: 1 })
    // Admin(0) revokes the writer; admin1 (weaker) re-grants it concurrently.
    await settle(t.db, (s) => s.revokeKey('writer'), [fork])
    await settle(t.as(t.keys.admin1, 'admin1'), (s) => s.setKey('writer', { pubkey: pub(t.keys.writer), permission: Permission.write(3), status: 'active' }), [fork])
    expect((await (await t.db.getSettings()).getKey('writer'))?.status).toBe('revoked')
    await expectCode(write(t.as(t.keys.writer, 'writer'), { w: 1 }), 'UNAUTHORIZED')

    // The other way round: admin1 revokes, admin (stronger) re-grants concurrently.
    const u = await team()
    const fork2 = await write(u.db, { base: 1 })
    await settle(u.as(u.keys.admin1, 'admin1'), (s) => s.revokeKey('writer'), [fork2])
    const backdated = await write(u.as(u.keys.writer, 'writer'), { kept: true }, [fork2])
    await settle(u.db, (s) => s.setKey('writer', { pubkey: pub(u.keys.writer), permission: Permission.write(5), status: 'active' }), [fork2])
    expect((await (await u.db.getSettings()).getKey('writer'))?.status).toBe('active')
    expect(await valueOf(u.db, 'kept')).toBe(true)
    void backdated
  })

  it('a grant made after the revocation counts for what descends from it; the concurrent branch stays cut', async () => {
    const t = await team()
    const fork = await write(t.db, { base: 1 })
    const asWriter = t.as(t.keys.writer, 'writer')
    await settle(t.db, (s) => s.revokeKey('writer'))
    const cut = await write(asWriter, { concurrent: true }, [fork])
    await settle(t.db, (s) => s.setKey('writer', { pubkey: pub(t.keys.writer), permission: Permission.write(5), status: 'active' }))
    await write(asWriter, { afterGrant: true })
    expect(await valueOf(t.db, 'afterGrant')).toBe(true)
    expect(await valueOf(t.db, 'concurrent')).toBeUndefined()
    void cut
  })

  it('views taken before the revocation arrived keep what they saw; later views show the cut', async () => {
    const t = await team()
    const fork = await write(t.db, { base: 1 })
    await write(t.as(t.keys.writer, 'writer'), { w: 'mine' })
    const early = await t.db.getStore('s', DocStore)
    expect(await early.get('w')).toBe('mine')
    await settle(t.db, (s) => s.revokeKey('writer'), [fork])
    expect(await early.get('w')).toBe('mine')
    expect(await valueOf(t.db, 'w')).toBeUndefined()
  })

  it('a cold replica (entries stored verified, states folded from scratch) shows the same cut', async () => {
    const t = await team()
    const fork = await write(t.db, { base: 1 })
    await settle(t.db, (s) => s.revokeKey('writer'))
    await write(t.as(t.keys.writer, 'writer'), { late: 1 }, [fork])
    await write(t.db, { after: 1 })
    const cold = await coldCopy(t.engine, t.db.id)
    const { Database: D } = await import('@engram/database')
    const db = await D.open(cold, t.db.id)
    expect(await valueOf(db, 'late')).toBeUndefined()
    expect(await valueOf(db, 'after')).toBe(1)
  })
})
