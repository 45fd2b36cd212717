/**
 * Property test of the revocation cut (DECISIONS 18): random histories of
 * writes, grants and revocations made at random (often old) tips, delivered
 * to fresh replicas in random orders and batches, give the same state on
 * every replica; and the state of the data store is exactly the fold of
 * the entries the cut keeps (every write has its own key, so nothing hides
 * a skipped entry's data but the cut).
 */
import { Database, Doc, DocStore, Permission, type Id, type Signer } from '@engram/database'
import { describe, expect, it } from 'vitest'
import { computeCut } from '../src/auth/cut.js'
import { cutEntry } from '../src/auth/cut-facts.js'
import { keyFromSeed, newEngine, pub, setup } from './helpers.js'

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const NAMES = ['admin', 'a1', 'a1b', 'a2', 'w1', 'w2'] as const
type Name = (typeof NAMES)[number]
const GRANTS: Record<Name, Permission> = {
  admin: Permission.admin(0),
  a1: Permission.admin(1),
  a1b: Permission.admin(1),
  a2: Permission.admin(2),
  w1: Permission.write(5),
  w2: Permission.write(6),
}

async function history(seed: number) {
  const rand = rng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const { db, engine } = await setup({ name: 'p' }, 1)
  const keys = new Map<Name, Signer>()
  keys.set('admin', { key: await keyFromSeed(1), sigKey: 'admin' })
  for (const [i, name] of NAMES.entries()) if (name !== 'admin') keys.set(name, { key: await keyFromSeed(50 + i), sigKey: name })
  {
    const txn = await db.newTransaction()
    const s = await txn.getSettingsStore()
    for (const name of NAMES) if (name !== 'admin') await s.addKey(name, { pubkey: pub(keys.get(name)!.key), permission: GRANTS[name] })
    await txn.commit()
  }
  const ids: Id[] = [...(await db.getTips())]
  /** Names some committed entry revoked or weakened: the only signers the cut may skip. */
  const reduced = new Set<string>()
  const ops = 8 + Math.floor(rand() * 8)
  for (let i = 0; i < ops; i++) {
    const all = ids
    // Mostly recent tips, often old ones (backdating), sometimes a merge of two.
    const base = rand() < 0.5 ? await db.getTips() : rand() < 0.5 ? [pick(all)] : [...new Set([pick(all), pick(all)])].sort()
    const who = pick(NAMES)
    const handle = db.withSigner(keys.get(who)!)
    try {
      const txn = await handle.newTransactionAt(base)
      const r = rand()
      if (r < 0.55) {
        await (await txn.getStore('s', DocStore)).set(`k${i}`, `${who}:${i}`)
      } else {
        const s = await txn.getSettingsStore()
        const target = pick(NAMES.filter((n) => n !== 'admin'))
        if (r < 0.8) await s.revokeKey(target)
        else if (r < 0.88) await s.setKey(target, { pubkey: pub(keys.get(target)!.key), permission: GRANTS[target], status: 'active' })
        else if (r < 0.95) await s.setKey(target, { pubkey: pub(keys.get(target)!.key), permission: Permission.write(9), status: 'active' })
        else {
          // `auth` replaced whole, without the target.
          const auth = { ...((await s.get('auth')) as Record<string, never>) }
          delete auth[target]
          await s.set('auth', auth)
        }
        if (r < 0.8 || r >= 0.88) reduced.add(target)
      }
      ids.push(await txn.commit())
    } catch (err) {
      if ((err as { code?: string }).code !== 'UNAUTHORIZED' && (err as { code?: string }).code !== 'KEY_NOT_FOUND') throw err
    }
  }
  return { db, engine, entries: await db.getAllEntries(), reduced }
}

async function observe(engine: ReturnType<typeof newEngine>, id: Id) {
  const db = await Database.open(engine, id)
  return {
    tips: await db.getTips(),
    s: await (await db.getStore('s', DocStore)).toJSON(),
    auth: (await (await db.getSettings()).toJSON()).auth,
  }
}

describe('revocation cut: property', () => {
  it('random histories with grants, revocations and backdated writes: every delivery order gives one state, and no skipped entry shows', async () => {
    let cutsSeen = 0
    for (let seed = 1; seed <= 500; seed++) {
      const { db, engine, entries, reduced } = await history(seed)
      const reference = await observe(engine, db.id)
      const rand = rng(seed * 7919)
      for (let r = 0; r < 2; r++) {
        const replica = newEngine()
        const order = [...entries].sort(() => rand() - 0.5)
        for (let i = 0; i < order.length; ) {
          const n = 1 + Math.floor(rand() * 4)
          await replica.receiveEntries(order.slice(i, i + n))
          i += n
        }
        expect(await observe(replica, db.id), `seed ${seed}, replica ${r}`).toEqual(reference)
      }
      // The data store is the plain fold of the entries the cut keeps.
      const cut = computeCut(entries.map(({ id, entry }) => cutEntry(id, entry)))
      if (cut.skipped.size > 0) cutsSeen++
      const expected: Record<string, unknown> = {}
      for (const { id, entry } of entries) {
        if (cut.skipped.has(id)) expect(reduced, `seed ${seed}: a skipped entry's signer was never reduced`).toContain(entry.sig.key)
        const node = entry.subtrees.find((s) => s.name === 's')
        if (node?.data === undefined || cut.skipped.has(id)) continue
        Object.assign(expected, Doc.decode(node.data).toJSON())
      }
      expect(reference.s, `seed ${seed}`).toEqual(expected)
    }
    // The generator really exercises the cut.
    expect(cutsSeen).toBeGreaterThan(50)
  }, 240_000)
})
