/**
 * Adversarial review, local commits: a malicious or careless local caller.
 * Each test asserts the safe outcome: a typed error and nothing stored, or
 * (where the rules allow it) exactly what a reader would expect.
 */
import { describe, expect, it } from 'vitest'
import { Database, DocStore, EntryBuilder, Permission, SettingsStore, signEntry, type Id } from '@engram/database'
import type { SigningKey } from '@engram/crypto'
import { expectCode, keyFromSeed, newEngine, pub, settle, setup, team, write } from './helpers.js'

/** Everything a reader could notice: stored entries, tips, settings, data. */
async function snapshot(db: Database) {
  return {
    entries: (await db.engine.backend.treeEntryIds(db.id)).length,
    tips: await db.getTips(),
    settings: await (await db.getSettings()).getAll(),
    s: await (await db.getStore('s', DocStore)).toJSON(),
  }
}

describe('adversarial local commits', () => {
  it('a read-only handle cannot commit or write, and stores nothing', async () => {
    const { db, engine } = await setup()
    await write(db, { a: 1 })
    const before = await snapshot(db)
    for (const ro of [await Database.open(engine, db.id), db.withSigner(undefined)]) {
      expect(ro.readOnly).toBe(true)
      const txn = await ro.newTransaction()
      await (await txn.getStore('s', DocStore)).set('a', 2)
      await expectCode(txn.commit(), 'READ_ONLY')
      const view = await ro.getStore('s', DocStore)
      await expectCode(view.set('a', 3), 'READ_ONLY')
      await expectCode((await ro.getSettings()).setName('x'), 'READ_ONLY')
    }
    expect(await snapshot(db)).toEqual(before)
  })

  it('a Write key that only reads the settings commits fine; the entry holds no settings node (DECISIONS 6)', async () => {
    const t = await team()
    const asWriter = t.as(t.keys.writer, 'writer')
    const txn = await asWriter.newTransaction()
    const settings = await txn.getSettingsStore()
    expect(await settings.getName()).toBe('test')
    expect((await settings.getKey('writer'))?.permission).toEqual(Permission.write(5))
    expect(await settings.listKeys()).toHaveLength(4)
    await (await txn.getStore('s', DocStore)).set('w', 1)
    const id = await txn.commit()
    expect((await t.db.getEntry(id)).subtrees.map((s) => s.name)).not.toContain('_settings')
    // Writing a setting is another matter.
    await expectCode(settle(asWriter, (s) => s.setName('mine')), 'UNAUTHORIZED')
  })

  it('auth set to a string, deleted, or holding garbage → INVALID_SETTINGS, nothing stored, transaction still usable', async () => {
    const t = await team()
    const before = await snapshot(t.db)
    const attempts: ((s: SettingsStore) => Promise<void>)[] = [
      (s) => s.set('auth', 'everyone'),
      (s) => s.delete('auth'),
      (s) => s.set('auth', null),
      (s) => s.set('auth', ['a']),
      async (s) => s.set('auth', { ...((await s.get('auth')) as object), junk: 'garbage' }),
      async (s) => s.set('auth', { ...((await s.get('auth')) as object), writer: { pubkey: 'ed25519:nope', permission: { kind: 'write', priority: 5 }, status: 'active' } }),
      async (s) => s.set('auth', { ...((await s.get('auth')) as object), writer: { pubkey: pub(t.keys.writer), permission: { kind: 'god' }, status: 'active' } }),
      async (s) => s.set('auth', { ...((await s.get('auth')) as object), writer: { pubkey: pub(t.keys.writer), permission: { kind: 'write', priority: 5 }, status: 'sleeping' } }),
    ]
    for (const attempt of attempts) {
      const txn = await t.db.newTransaction()
      const settings = await txn.getSettingsStore()
      await attempt(settings)
      await expectCode(txn.commit(), 'INVALID_SETTINGS')
      expect(await snapshot(t.db)).toEqual(before)
      expect(txn.committed).toBe(false)
    }
    // Garbage under another signer: the weaker key is refused either way.
    const txn = await t.as(t.keys.writer, 'writer').newTransaction()
    await (await txn.getSettingsStore()).set('auth', 'everyone')
    await expect(txn.commit()).rejects.toMatchObject({ code: expect.stringMatching(/^(INVALID_SETTINGS|UNAUTHORIZED)$/) })
    expect(await snapshot(t.db)).toEqual(before)
  })

  it('Admin(1) replacing the whole auth (even with the same content) touches the Admin(0) key: UNAUTHORIZED', async () => {
    const t = await team()
    const before = await snapshot(t.db)
    const asAdmin1 = t.as(t.keys.admin1, 'admin1')
    await expectCode(
      settle(asAdmin1, async (s) => s.set('auth', (await s.get('auth')) as never)),
      'UNAUTHORIZED',
    )
    expect(await snapshot(t.db)).toEqual(before)
    // Admin(0) may do it (nothing stronger than itself).
    await settle(t.db, async (s) => s.set('auth', (await s.get('auth')) as never))
    // Admin(1) may still manage what is not stronger than itself.
    await settle(asAdmin1, (s) => s.revokeKey('writer'))
    await expectCode(settle(asAdmin1, (s) => s.revokeKey('admin')), 'UNAUTHORIZED')
  })

  it('revoking one\'s own key: stored; the next commit with that key is refused', async () => {
    const t = await team()
    const asAdmin1 = t.as(t.keys.admin1, 'admin1')
    const revoked = await settle(asAdmin1, (s) => s.revokeKey('admin1'))
    expect(await t.db.getTips()).toEqual([revoked])
    const before = await snapshot(t.db)
    await expectCode(write(asAdmin1, { a: 1 }), 'UNAUTHORIZED')
    await expectCode(settle(asAdmin1, (s) => s.setKey('admin1', { pubkey: pub(t.keys.admin1), permission: Permission.admin(1), status: 'active' })), 'UNAUTHORIZED')
    expect(await snapshot(t.db)).toEqual(before)
  })

  it('an Admin revoking the last Admin key is allowed: settings are frozen from then on, Write keys still write', async () => {
    const t = await team()
    await settle(t.db, (s) => s.revokeKey('admin1'))
    await settle(t.db, (s) => s.revokeKey('admin'))
    const keys = await (await t.db.getSettings()).listKeys()
    expect(keys.filter(([, k]) => k.permission.kind === 'admin' && k.status === 'active')).toEqual([])
    await expectCode(settle(t.db, (s) => s.setName('again')), 'UNAUTHORIZED')
    await expectCode(settle(t.as(t.keys.admin1, 'admin1'), (s) => s.setName('again')), 'UNAUTHORIZED')
    await write(t.as(t.keys.writer, 'writer'), { still: 'writable' })
    expect(await (await t.db.getStore('s', DocStore)).get('still')).toBe('writable')
  })

  it('a transaction at tips from before the signer was added is refused (its parents\' settings do not know the key)', async () => {
    const ctx = await setup()
    const early = await write(ctx.db, { a: 1 })
    const late = await keyFromSeed(30)
    await settle(ctx.db, (s) => s.addKey('late', { pubkey: pub(late), permission: Permission.admin(0) }))
    const asLate = ctx.db.withSigner({ key: late, sigKey: 'late' })
    const before = await snapshot(ctx.db)
    await expectCode(write(asLate, { a: 'backdated' }, [early]), 'UNAUTHORIZED')
    await expectCode(settle(asLate, (s) => s.setName('backdated'), [early]), 'UNAUTHORIZED')
    expect(await snapshot(ctx.db)).toEqual(before)
    await write(asLate, { a: 'now' })
  })

  it('a transaction at tips from before a revocation commits, but the revocation cuts it: its data never shows (DECISIONS 18)', async () => {
    const t = await team()
    const before = await write(t.db, { a: 1 })
    await settle(t.db, (s) => s.revokeKey('writer'))
    const asWriter = t.as(t.keys.writer, 'writer')
    await expectCode(write(asWriter, { a: 'after' }), 'UNAUTHORIZED')
    // Branching from before the revocation is valid where it is made (stored, verified)…
    const branch = await write(asWriter, { b: 'branch' }, [before])
    expect((await t.db.getTips()).includes(branch)).toBe(true)
    // …but it is concurrent with the revocation of its key: skipped at the merge.
    expect(await (await t.db.getStore('s', DocStore)).get('b')).toBeUndefined()
    expect(await (await t.db.getStore('s', DocStore)).get('a')).toBe(1)
    await expectCode(write(asWriter, { b: 'on merge' }), 'UNAUTHORIZED')
  })

  it('newTransactionAt refuses failed and pending tips (INVALID_TIP)', async () => {
    const t = await team()
    const first = await write(t.db, { a: 1 })
    const mk = async (parents: Id[], sigKey: string, key: SigningKey) => {
      const e = new EntryBuilder(t.db.id).setParents(parents).setSig({ sig: null, key: sigKey }).build()
      return { id: await signEntry(e, key), entry: e }
    }
    const forged = await mk([first], 'admin', t.keys.stranger)
    const pending = await mk(['sha256:' + 'c'.repeat(64)], 'admin', t.key)
    const r = await t.engine.receiveEntries([forged, pending])
    expect(r.failed).toEqual([forged.id])
    expect(r.pending).toEqual([pending.id])
    await expectCode(t.db.newTransactionAt([forged.id]), 'INVALID_TIP')
    await expectCode(t.db.newTransactionAt([first, pending.id].sort()), 'INVALID_TIP')
    expect(await t.db.getTips()).toEqual([first])
  })

  it('a transaction at redundant tips (a tip and its ancestor) commits, and replicas accept the entry', async () => {
    const t = await team()
    const a = await write(t.db, { a: 1 })
    const b = await write(t.db, { b: 1 })
    await settle(t.db, (s) => s.setName('renamed'))
    const id = await write(t.db, { c: 1 }, [a, b].sort())
    const replica = newEngine()
    const r = await replica.receiveEntries(await t.db.getAllEntries())
    expect(r.failed).toEqual([])
    expect(r.verified).toContain(id)
    expect(await snapshot(await Database.open(replica, t.db.id))).toEqual(await snapshot(t.db))
  })

  it('a cached signer is not trusted for another key under the same name', async () => {
    const t = await team()
    await write(t.as(t.keys.writer, 'writer'), { a: 1 })
    const tips = await t.db.getTips()
    await write(t.as(t.keys.writer, 'writer'), { a: 2 }, tips)
    await expectCode(write(t.as(t.keys.stranger, 'writer'), { a: 3 }, tips), 'UNAUTHORIZED')
    await expectCode(write(t.as(t.keys.stranger, 'writer'), { a: 3 }), 'UNAUTHORIZED')
    await expectCode(write(t.as(t.keys.stranger, '*'), { a: 3 }), 'UNAUTHORIZED')
  })

  it('a refused settings change leaves no trace in later reads or transactions', async () => {
    const t = await team()
    const asAdmin1 = t.as(t.keys.admin1, 'admin1')
    const txn = await asAdmin1.newTransaction()
    const s = await txn.getSettingsStore()
    await s.setKey('admin', { pubkey: pub(t.keys.admin1), permission: Permission.admin(0), status: 'active' })
    await s.setName('taken over')
    await expectCode(txn.commit(), 'UNAUTHORIZED')
    const settings = await t.db.getSettings()
    expect(await settings.getName()).toBe('test')
    expect((await settings.getKey('admin'))?.pubkey).toBe(pub(t.key))
    const fresh = await t.db.newTransaction()
    expect(await (await fresh.getSettingsStore()).getName()).toBe('test')
    await write(t.db, { ok: true })
    expect(await (await t.db.getSettings()).getName()).toBe('test')
  })

  it('20 transactions committed in parallel at the same tips (data and settings, several keys): all stored, state converges', async () => {
    const t = await team()
    const tips = await t.db.getTips()
    const signers: Database[] = [t.db, t.as(t.keys.admin1, 'admin1'), t.as(t.keys.writer, 'writer')]
    const extra: SigningKey[] = []
    for (let i = 0; i < 5; i++) extra.push(await keyFromSeed(60 + i))
    const txns = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const db = signers[i % 3]!
        const txn = await db.newTransactionAt(tips)
        if (i % 4 === 1 && db !== signers[2]) {
          await (await txn.getSettingsStore()).addKey(`k${i}`, { pubkey: pub(extra[i % 5]!), permission: Permission.write(9) })
        } else {
          const s = await txn.getStore('s', DocStore)
          await s.set(`key${i}`, i)
          await s.set('shared', i)
        }
        return txn
      }),
    )
    const ids = await Promise.all(txns.map((txn) => txn.commit()))
    expect(new Set(ids).size).toBe(20)
    expect(await t.db.getTips()).toEqual([...ids].sort())
    const merged = await write(t.db, { merged: true })
    const state = await snapshot(t.db)
    // The replica receives everything in reverse order and ends in the same place.
    const replica = newEngine()
    const all = await t.db.getAllEntries()
    const r = await replica.receiveEntries([...all].reverse())
    expect(r.failed).toEqual([])
    expect(r.pending).toEqual([])
    const copy = await Database.open(replica, t.db.id)
    expect(await snapshot(copy)).toEqual(state)
    expect(state.tips).toEqual([merged])
    const keyNames = (await (await copy.getSettings()).listKeys()).map(([n]) => n)
    for (let i = 0; i < 20; i++) if (i % 4 === 1 && i % 3 !== 2) expect(keyNames).toContain(`k${i}`)
  })
})
