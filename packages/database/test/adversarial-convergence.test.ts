/**
 * Adversarial review, convergence under attack: replicas receiving the same
 * mix of valid and invalid entries, in different orders and batches, end
 * with identical tips, statuses and state; and DocStore's concurrent-write
 * rule (DECISIONS 3) holds on every replica.
 */
import { describe, expect, it } from 'vitest'
import {
  Database,
  Doc,
  DocStore,
  Permission,
  type Engine,
  type Id,
} from '@engram/database'
import { data, forge, keyFromSeed, newEngine, pub, settle, setup, write, type Forged } from './helpers.js'

/** A small seeded PRNG (mulberry32), so every run tries the same orders. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function shuffle<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** What a replica shows: status of every id, and tips and state of each database. */
async function observe(engine: Engine, ids: readonly Id[], dbs: readonly Id[]) {
  const statuses: Record<string, string> = {}
  for (const id of ids) statuses[id] = (await engine.backend.has(id)) ? await engine.backend.getStatus(id) : 'absent'
  const views: Record<string, unknown> = {}
  for (const dbId of dbs) {
    const db = await Database.open(engine, dbId)
    views[dbId] = {
      tips: await db.getTips(),
      s: await (await db.getStore('s', DocStore)).toJSON(),
      settings: await (await db.getSettings()).getAll(),
    }
  }
  return { statuses, views }
}

describe('adversarial convergence', () => {
  it('replicas receiving the same valid and invalid entries in different orders end identical', async () => {
    const { db, key: admin, engine } = await setup()
    const writer = await keyFromSeed(12)
    const admin1 = await keyFromSeed(11)
    const stranger = await keyFromSeed(14)
    const bob = await keyFromSeed(15)
    // A delegated database holding bob; db delegates `team` to it.
    const home = await Database.create(engine, { name: 'home', auth: { bob: { pubkey: pub(bob), permission: { kind: 'admin', priority: 0 }, status: 'active' } } }, { key: bob, sigKey: 'bob' })
    const keysAdded = await settle(db, async (s) => {
      await s.addKey('writer', { pubkey: pub(writer), permission: Permission.write(5) })
      await s.addKey('admin1', { pubkey: pub(admin1), permission: Permission.admin(1) })
      await s.setDelegation('team', { root: home.id, tips: await home.getTips(), bounds: { max: Permission.write(4) } })
    })
    const asWriter = db.withSigner({ key: writer, sigKey: 'writer' })
    const a1 = await write(asWriter, { k: 'a1', a: 1 })
    const b1 = await write(db, { k: 'b1', b: 1 }, [keysAdded])
    const a2 = await write(asWriter, { k: 'a2' }, [a1])
    const revoked = await settle(db, (s) => s.revokeKey('writer'), [b1])
    // The writer on a branch that never saw the revocation: valid.
    const a3 = await write(asWriter, { k: 'a3', late: true }, [a2])
    const homeTip = await write(home, { h: 1 })
    const viaBob = await write(db.withSigner({ key: bob, sigKey: [{ key: 'team', tips: [homeTip] }, { key: 'bob', tips: null }] }), { bob: true }, [revoked])
    const honest = [...(await db.getAllEntries()), ...(await home.getAllEntries())]

    const bad: Forged[] = []
    const forgedSig = await forge({ db: db.id, parents: [a2], stores: { s: { parents: [a2], data: data({ k: 'forged' }) } }, sigKey: 'admin', key: stranger })
    bad.push(forgedSig)
    bad.push(await forge({ db: db.id, parents: [forgedSig.id], stores: { s: { parents: [forgedSig.id], data: data({ k: 'tainted' }) } }, sigKey: 'admin', key: admin }))
    bad.push(await forge({ db: db.id, parents: [revoked], stores: { s: { parents: [b1], data: data({ k: 'revoked writer' }) } }, sigKey: 'writer', key: writer }))
    bad.push(await forge({ db: db.id, parents: [a1], stores: { _settings: { parents: [keysAdded], data: data({ name: 'by admin1' }) }, s: { parents: [a1], data: data({ k: 'admin1 ok' }) } }, sigKey: 'admin1', key: admin1 }))
    bad.push(await forge({ db: db.id, parents: [a1], stores: { _settings: { parents: [keysAdded], data: new Doc().setPath('auth.admin', { pubkey: pub(admin1), permission: { kind: 'admin', priority: 0 }, status: 'active' }).encode() } }, sigKey: 'admin1', key: admin1 }))
    bad.push(await forge({ db: db.id, parents: [a2], stores: { s: { parents: [a2, b1].sort(), data: data({ k: 'sideways' }) } }, sigKey: 'admin', key: admin }))
    bad.push(await forge({ db: db.id, parents: [a2], stores: { s: { parents: [a2], data: '{"doc":{"k":' } }, sigKey: 'admin', key: admin }))
    bad.push(await forge({ db: db.id, parents: ['sha256:' + 'd'.repeat(64)], stores: { s: { parents: [], data: data({ k: 'orphan' }) } }, sigKey: 'admin', key: admin }))
    bad.push(await forge({ db: db.id, parents: [b1], stores: { s: { parents: [b1], data: data({ k: 'stranger' }) } }, sigKey: 'stranger', key: stranger }))
    bad.push(await forge({ db: db.id, parents: [revoked], stores: { s: { parents: [b1], data: data({ k: 'bob foreign tips' }) } }, sigKey: [{ key: 'team', tips: [b1] }, { key: 'bob', tips: null }], key: bob }))

    const all: Forged[] = [...honest, ...bad]
    const ids = all.map((e) => e.id)
    const dbs = [db.id, home.id]
    let reference: Awaited<ReturnType<typeof observe>> | undefined
    for (let seed = 1; seed <= 8; seed++) {
      const rand = rng(seed)
      const replica = newEngine()
      const order = shuffle(all, rand)
      // Random batch sizes, delivered one after another.
      for (let i = 0; i < order.length; ) {
        const n = 1 + Math.floor(rand() * 6)
        await replica.receiveEntries(order.slice(i, i + n))
        i += n
      }
      const seen = await observe(replica, ids, dbs)
      if (reference === undefined) reference = seen
      else expect(seen).toEqual(reference)
    }
    const ref = reference!
    // And the outcome is the safe one.
    for (const e of honest) expect(ref.statuses[e.id]).toBe('verified')
    expect(ref.statuses[bad[7]!.id]).toBe('unverified')
    expect(bad.filter((_, i) => i !== 3 && i !== 6 && i !== 7).map((e) => ref.statuses[e.id])).toEqual(Array(7).fill('failed'))
    // admin1 may rename; the undecodable data verifies but changes nothing.
    expect(ref.statuses[bad[3]!.id]).toBe('verified')
    expect(ref.statuses[bad[6]!.id]).toBe('verified')
    const view = ref.views[db.id] as { s: Record<string, unknown>; settings: { name: string } }
    expect(view.settings.name).toBe('by admin1')
    expect(view.s.bob).toBe(true)
    // The writer's branch concurrent with its revocation is cut (DECISIONS 18).
    expect(view.s.late).toBeUndefined()
    expect(Object.values(view.s)).not.toContain('forged')
    // The origin, after receiving the same entries, agrees too.
    await engine.receiveEntries(bad)
    expect(await observe(engine, ids, dbs)).toEqual(ref)
    void a3
    void viaBob
  })
})

describe('DocStore concurrent writes (DECISIONS 3) on every replica', () => {
  it('deeper entry wins; at equal height the larger id wins; the same whichever order replicas receive them in', async () => {
    const { db } = await setup()
    const base = await write(db, { k: 'base' })
    // Branch X: two entries deep, the second writes k. Branch Y: one entry writes k.
    const x1 = await write(db, { other: 1 }, [base])
    const x2 = await write(db, { k: 'deep' }, [x1])
    const y1 = await write(db, { k: 'shallow' }, [base])
    // Branches P and Q at equal height both write j.
    const p = await write(db, { j: 'p' }, [base])
    const q = await write(db, { j: 'q' }, [base])
    const larger = p > q ? 'p' : 'q'
    const expected = { k: 'deep', j: larger, other: 1 }
    expect(await (await db.getStore('s', DocStore)).toJSON()).toEqual(expected)
    // A shallower write with the larger id does not beat the deeper one either way round.
    expect([x2, y1].length).toBe(2)

    const all = await db.getAllEntries()
    const orders = [all, [...all].reverse(), [all[0]!, ...all.slice(1).reverse()], shuffle(all, rng(7))]
    for (const order of orders) {
      const replica = newEngine()
      for (const e of order) await replica.receiveEntries([e])
      const copy = await Database.open(replica, db.id)
      expect(await copy.getTips()).toEqual(await db.getTips())
      expect(await (await copy.getStore('s', DocStore)).toJSON()).toEqual(expected)
      // Reads at a sub-set of the tips agree with the rule too.
      const txn = await copy.newTransactionAt([x2, y1].sort())
      expect(await (await txn.getStore('s', DocStore)).get('k')).toBe('deep')
      const pq = await copy.newTransactionAt([p, q].sort())
      expect(await (await pq.getStore('s', DocStore)).get('j')).toBe(larger)
    }
    // After a merge on top, the winner stays.
    await write(db, { merged: true })
    expect(await (await db.getStore('s', DocStore)).get('k')).toBe('deep')
    expect(await (await db.getStore('s', DocStore)).get('j')).toBe(larger)
  })

  it('holds for many equal-height writers: the largest id wins on every replica', async () => {
    const { db } = await setup()
    const base = await write(db, { k: 'base' })
    const writes: { id: Id; v: string }[] = []
    for (let i = 0; i < 12; i++) writes.push({ id: await write(db, { k: `v${i}` }, [base]), v: `v${i}` })
    const winner = writes.reduce((a, b) => (a.id > b.id ? a : b)).v
    expect(await (await db.getStore('s', DocStore)).get('k')).toBe(winner)
    const all = await db.getAllEntries()
    for (let seed = 1; seed <= 3; seed++) {
      const replica = newEngine()
      await replica.receiveEntries(shuffle(all, rng(seed)))
      expect(await (await (await Database.open(replica, db.id)).getStore('s', DocStore)).get('k')).toBe(winner)
    }
  })
})
