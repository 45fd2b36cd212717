/**
 * Adversarial review, received entries: a malicious peer sends entries to
 * `engine.receiveEntries`. Each test asserts the safe outcome: a typed
 * error with nothing stored, or the entry stored `failed` (invisible to
 * reads, its descendants tainted), or kept pending until what it needs
 * arrives.
 */
import { describe, expect, it } from 'vitest'
import {
  Database,
  Doc,
  DocStore,
  EntryBuilder,
  Permission,
  signEntry,
  type DelegationStep,
  type Engine,
  type Id,
  type SigKey,
} from '@engram/database'
import { ENTRY_LIMITS } from '@engram/backend-api'
import { bytesToBase64, type SigningKey } from '@engram/crypto'
import { sharedOf } from '../src/database/engine.js'
import { data, expectCode, forge, keyFromSeed, newEngine, pub, settle, setup, write, type Forged } from './helpers.js'

/**
 * An origin database with keys admin Admin(0), admin1 Admin(1), writer
 * Write(5), reader Read, and a replica engine holding all of it.
 */
async function world() {
  const ctx = await setup()
  const keys = {
    admin: ctx.key,
    admin1: await keyFromSeed(11),
    writer: await keyFromSeed(12),
    reader: await keyFromSeed(13),
    stranger: await keyFromSeed(14),
  }
  const keysAdded = await settle(ctx.db, async (s) => {
    await s.addKey('admin1', { pubkey: pub(keys.admin1), permission: Permission.admin(1) })
    await s.addKey('writer', { pubkey: pub(keys.writer), permission: Permission.write(5) })
    await s.addKey('reader', { pubkey: pub(keys.reader), permission: Permission.read() })
  })
  const first = await write(ctx.db, { a: 1 })
  const replica = newEngine()
  await sync(ctx.db, replica)
  return { ...ctx, keys, keysAdded, first, replica }
}

/** Sends every verified entry of `db` to `to` (parents first). */
async function sync(db: Database, to: Engine) {
  return to.receiveEntries(await db.getAllEntries())
}

async function statusOf(engine: Engine, id: Id) {
  return engine.backend.getStatus(id)
}

async function stateOf(engine: Engine, dbId: Id) {
  const db = await Database.open(engine, dbId)
  return {
    tips: await db.getTips(),
    s: await (await db.getStore('s', DocStore)).toJSON(),
    settings: await (await db.getSettings()).getAll(),
  }
}

describe('adversarial receive: who may write', () => {
  it('a Write key touching _settings fails, with or without data; a Read key cannot write data', async () => {
    const w = await world()
    const before = await stateOf(w.replica, w.db.id)
    const withData = await forge({
      db: w.db.id,
      parents: [w.first],
      stores: { _settings: { parents: [w.keysAdded], data: data({ name: 'hijacked' }) } },
      sigKey: 'writer',
      key: w.keys.writer,
    })
    // A settings node without data still moves the settings tips: settings are Admin-only.
    const noData = await forge({
      db: w.db.id,
      parents: [w.first],
      stores: { _settings: { parents: [w.keysAdded] } },
      sigKey: 'writer',
      key: w.keys.writer,
    })
    const byReader = await forge({
      db: w.db.id,
      parents: [w.first],
      stores: { s: { parents: [w.first], data: data({ a: 'reader' }) } },
      sigKey: 'reader',
      key: w.keys.reader,
    })
    const r = await w.replica.receiveEntries([withData, noData, byReader])
    expect(r.failed).toEqual([withData.id, noData.id, byReader.id].sort())
    expect(r.verified).toEqual([])
    expect(await stateOf(w.replica, w.db.id)).toEqual(before)
  })

  it('an entry by a key revoked in the settings its parents saw fails; one on a branch that never saw the revocation is verified but cut (DECISIONS 18)', async () => {
    const w = await world()
    const revoked = await settle(w.db, (s) => s.revokeKey('writer'))
    await sync(w.db, w.replica)
    // On top of the revocation: refused.
    const after = await forge({
      db: w.db.id,
      parents: [revoked],
      stores: { s: { parents: [w.first], data: data({ a: 'after revocation' }) } },
      sigKey: 'writer',
      key: w.keys.writer,
    })
    // On a branch from before the revocation: the rule validates against the settings its parents saw.
    const concurrent = await forge({
      db: w.db.id,
      parents: [w.first],
      stores: { s: { parents: [w.first], data: data({ b: 'concurrent' }) } },
      sigKey: 'writer',
      key: w.keys.writer,
    })
    const r = await w.replica.receiveEntries([after, concurrent])
    expect(r.failed).toEqual([after.id])
    expect(r.verified).toEqual([concurrent.id])
    // It was valid where it was made, but the revocation is not in its past: its data does not count.
    const view = await Database.open(w.replica, w.db.id)
    expect(await view.getTips()).toEqual([revoked, concurrent.id].sort())
    expect(await (await view.getStore('s', DocStore)).get('b')).toBeUndefined()
    // A view at its own tips (before the revocation) still shows it.
    const tx = await view.newTransactionAt([concurrent.id])
    expect(await (await tx.getStore('s', DocStore)).get('b')).toBe('concurrent')
    // …but the merged settings know the revocation: nothing more from that key on top of the merge.
    const onMerge = await forge({
      db: w.db.id,
      parents: [revoked, concurrent.id].sort(),
      stores: { s: { parents: [concurrent.id], data: data({ b: 'on merge' }) } },
      sigKey: 'writer',
      key: w.keys.writer,
    })
    expect((await w.replica.receiveEntries([onMerge])).failed).toEqual([onMerge.id])
  })

  it('priority: Admin(1) cannot add, alter, revoke or delete an Admin(0) key, nor grant Admin(0)', async () => {
    const w = await world()
    const before = await stateOf(w.replica, w.db.id)
    const adminKey = { pubkey: pub(w.keys.admin), permission: { kind: 'admin', priority: 0 }, status: 'active' }
    const attacks: Record<string, unknown>[] = [
      { auth: { boss: { pubkey: pub(w.keys.stranger), permission: { kind: 'admin', priority: 0 }, status: 'active' } } },
      { auth: { admin: { ...adminKey, pubkey: pub(w.keys.admin1) } } },
      { auth: { admin: { ...adminKey, status: 'revoked' } } },
      { auth: { writer: { pubkey: pub(w.keys.writer), permission: { kind: 'admin', priority: 0 }, status: 'active' } } },
      { auth: { admin1: { pubkey: pub(w.keys.admin1), permission: { kind: 'admin', priority: 0 }, status: 'active' } } },
    ]
    const forged: Forged[] = []
    for (const change of attacks)
      forged.push(
        await forge({
          db: w.db.id,
          parents: [w.first],
          stores: { _settings: { parents: [w.keysAdded], data: wholeAuthEntries(change) } },
          sigKey: 'admin1',
          key: w.keys.admin1,
        }),
      )
    // Deleting the Admin(0) key.
    const del = new Doc()
    del.deletePath('auth.admin')
    forged.push(
      await forge({
        db: w.db.id,
        parents: [w.first],
        stores: { _settings: { parents: [w.keysAdded], data: del.encode() } },
        sigKey: 'admin1',
        key: w.keys.admin1,
      }),
    )
    const r = await w.replica.receiveEntries(forged)
    expect(r.failed).toEqual(forged.map((f) => f.id).sort())
    expect(await stateOf(w.replica, w.db.id)).toEqual(before)
    // Within its own rank it may act: Admin(1) grants Admin(1).
    const ok = await forge({
      db: w.db.id,
      parents: [w.first],
      stores: { _settings: { parents: [w.keysAdded], data: wholeAuthEntriesDoc({ peer: { pubkey: pub(w.keys.stranger), permission: { kind: 'admin', priority: 1 }, status: 'active' } }) } },
      sigKey: 'admin1',
      key: w.keys.admin1,
    })
    expect((await w.replica.receiveEntries([ok])).verified).toEqual([ok.id])
  })

  it('priority holds under concurrency: a weaker key rewriting a stronger key "unchanged" on a branch cannot undo a revocation', async () => {
    // Two Admin(0) keys; admin revokes admin0b. On a branch that never saw it,
    // Admin(1) writes admin0b's entry back exactly as it saw it, deep enough
    // to sort after the revocation: that write touches a stronger key.
    const w = await world()
    const b = await keyFromSeed(21)
    const added = await settle(w.db, (s) => s.addKey('admin0b', { pubkey: pub(b), permission: Permission.admin(0) }))
    const base = await write(w.db, { base: true })
    const revoked = await settle(w.db, (s) => s.revokeKey('admin0b'))
    await sync(w.db, w.replica)
    const asSeen = { pubkey: pub(b), permission: { kind: 'admin', priority: 0 }, status: 'active' }
    let tip = base
    const chain: Forged[] = []
    for (let i = 0; i < 3; i++) {
      const f = await forge({
        db: w.db.id,
        parents: [tip],
        stores: { s: { parents: [tip], data: data({ pad: i }) } },
        sigKey: 'admin1',
        key: w.keys.admin1,
      })
      chain.push(f)
      tip = f.id
    }
    const rewrite = await forge({
      db: w.db.id,
      parents: [tip],
      stores: { _settings: { parents: [added], data: wholeAuthEntriesDoc({ admin0b: asSeen }) } },
      sigKey: 'admin1',
      key: w.keys.admin1,
    })
    const r = await w.replica.receiveEntries([...chain, rewrite])
    expect(r.verified).toEqual(chain.map((c) => c.id).sort())
    expect(r.failed).toEqual([rewrite.id])
    const settings = await (await Database.open(w.replica, w.db.id)).getSettings()
    expect((await settings.getKey('admin0b'))?.status).toBe('revoked')
    void revoked
  })

  it('priority holds under concurrency: a partial write cannot splice a new public key into a key that was raised concurrently', async () => {
    // admin raises writer to Admin(0); on a branch that never saw it, Admin(1)
    // writes only writer.pubkey (allowed on a Write(5) key) deep enough to win:
    // leaf by leaf, the merge would give admin1's chosen key Admin(0).
    const w = await world()
    const base = await write(w.db, { base: true })
    await settle(w.db, (s) => s.setKey('writer', { pubkey: pub(w.keys.writer), permission: Permission.admin(0), status: 'active' }))
    await sync(w.db, w.replica)
    let tip = base
    const chain: Forged[] = []
    for (let i = 0; i < 3; i++) {
      const f = await forge({ db: w.db.id, parents: [tip], stores: { s: { parents: [tip], data: data({ pad: i }) } }, sigKey: 'admin1', key: w.keys.admin1 })
      chain.push(f)
      tip = f.id
    }
    const partial = new Doc()
    partial.setPath('auth.writer.pubkey', pub(w.keys.stranger))
    const splice = await forge({
      db: w.db.id,
      parents: [tip],
      stores: { _settings: { parents: [w.keysAdded], data: partial.encode() } },
      sigKey: 'admin1',
      key: w.keys.admin1,
    })
    const r = await w.replica.receiveEntries([...chain, splice])
    expect(r.failed).toEqual([splice.id])
    const settings = await (await Database.open(w.replica, w.db.id)).getSettings()
    expect(await settings.getKey('writer')).toEqual({ pubkey: pub(w.keys.writer), permission: Permission.admin(0), status: 'active' })
    const asStranger = (await Database.open(w.replica, w.db.id)).withSigner({ key: w.keys.stranger, sigKey: 'writer' })
    await expectCode(settle(asStranger, (s) => s.setName('mine')), 'UNAUTHORIZED')
  })

  it('auth names that are empty or hold a dot are refused, received or at creation (INVALID_SETTINGS)', async () => {
    const w = await world()
    const key = { pubkey: pub(w.keys.stranger), permission: { kind: 'write', priority: 9 }, status: 'active' }
    // One auth entry added, written whole: {"doc":{"auth":{"doc":{"<name>":{…,"replace":true}}}}}.
    const mk = (name: string) =>
      forge({ db: w.db.id, parents: [w.first], stores: { _settings: { parents: [w.keysAdded], data: `{"doc":{"auth":${Doc.fromJSON({ [name]: key } as never).encode()}}}` } }, sigKey: 'admin', key: w.keys.admin })
    // The same shape with a proper name verifies.
    const fine = await mk('fine')
    expect((await w.replica.receiveEntries([fine])).verified).toEqual([fine.id])
    const dotted = await mk('a.b')
    const empty = await mk('')
    const r = await w.replica.receiveEntries([dotted, empty])
    expect(r.failed).toEqual([dotted.id, empty.id].sort())
    await expectCode(
      Database.create(w.engine, { auth: { 'a.b': { pubkey: pub(w.keys.admin), permission: { kind: 'admin', priority: 0 }, status: 'active' } } }, { key: w.keys.admin, sigKey: 'a.b' }),
      'INVALID_SETTINGS',
    )
  })

  it('an auth entry whose fields have the wrong types fails the entry (it does not abort the batch)', async () => {
    const w = await world()
    const valid = { pubkey: pub(w.keys.admin), permission: { kind: 'admin', priority: 0 }, status: 'active' }
    // Anyone may start a database: a root whose auth holds a key with a numeric pubkey.
    const mkRoot = async (bad: unknown, n: number) => {
      const e = EntryBuilder.root()
        .setSubtreeData('_settings', data({ auth: { admin: valid, bad } }))
        .setMetadata(JSON.stringify({ settings_tips: [], entropy: n }))
        .setSig({ sig: null, key: 'admin' })
        .build()
      return { id: await signEntry(e, w.keys.admin), entry: e }
    }
    const roots = [await mkRoot({ pubkey: 5, permission: { kind: 'read' } }, 1), await mkRoot({ pubkey: null, permission: { kind: 'read' } }, 2)]
    // A settings change in an existing database doing the same.
    const change = await forge({
      db: w.db.id,
      parents: [w.first],
      stores: { _settings: { parents: [w.keysAdded], data: wholeAuthEntriesDoc({ bad: { pubkey: 5, permission: { kind: 'read' } } }) } },
      sigKey: 'admin',
      key: w.keys.admin,
    })
    const good = await forge({ db: w.db.id, parents: [w.first], stores: { s: { parents: [w.first], data: data({ good: true }) } }, sigKey: 'writer', key: w.keys.writer })
    const r = await w.replica.receiveEntries([...roots, change, good])
    expect(r.failed).toEqual([...roots.map((x) => x.id), change.id].sort())
    expect(r.verified).toEqual([good.id])
    await expectCode(Database.create(w.engine, { auth: { admin: valid, bad: { pubkey: 5, permission: { kind: 'read' } } } }, { key: w.keys.admin, sigKey: 'admin' }), 'INVALID_SETTINGS')
  })

  it('settings that drop auth altogether (a replacing top-level Doc) fail like deleting auth does', async () => {
    const w = await world()
    const before = await stateOf(w.replica, w.db.id)
    const wipe = await forge({
      db: w.db.id,
      parents: [w.first],
      stores: { _settings: { parents: [w.keysAdded], data: '{"doc":{"name":"gone"},"replace":true}' } },
      sigKey: 'admin',
      key: w.keys.admin,
    })
    const authString = await forge({
      db: w.db.id,
      parents: [w.first],
      stores: { _settings: { parents: [w.keysAdded], data: data({ auth: 'nobody' }) } },
      sigKey: 'admin',
      key: w.keys.admin,
    })
    const undecodable = await forge({
      db: w.db.id,
      parents: [w.first],
      stores: { _settings: { parents: [w.keysAdded], data: '{"not":"a doc"}' } },
      sigKey: 'admin',
      key: w.keys.admin,
    })
    const r = await w.replica.receiveEntries([wipe, authString, undecodable])
    expect(r.failed).toEqual([wipe.id, authString.id, undecodable.id].sort())
    expect(await stateOf(w.replica, w.db.id)).toEqual(before)
  })
})

/** Settings data writing each auth entry whole (as SettingsStore does). */
function wholeAuthEntriesDoc(entries: Record<string, unknown>): string {
  const d = new Doc()
  for (const [name, value] of Object.entries(entries)) d.setPath(`auth.${name}`, value as never)
  return d.encode()
}
const wholeAuthEntries = (change: Record<string, unknown>): string =>
  wholeAuthEntriesDoc(change.auth as Record<string, unknown>)

describe('adversarial receive: signatures and sig keys', () => {
  it('refuses * entries without sig.pubkey, with a pubkey that did not sign, or with a pubkey that is no curve point', async () => {
    const ctx = await setup()
    await settle(ctx.db, (s) => s.addKey('*', { pubkey: '*', permission: Permission.write(9) }))
    const first = await write(ctx.db, { a: 1 })
    const replica = newEngine()
    await sync(ctx.db, replica)
    const stranger = await keyFromSeed(40)
    const other = await keyFromSeed(41)
    const mk = (pubkey: string | undefined, key = stranger) =>
      forge({ db: ctx.db.id, parents: [first], stores: { s: { parents: [first], data: data({ a: pubkey ?? 'none' }) } }, sigKey: '*', key, ...(pubkey === undefined ? {} : { pubkey }) })
    const noPubkey = await mk(undefined)
    const notTheSigner = await mk(pub(other))
    const garbage = await mk('ed25519:' + bytesToBase64(new Uint8Array(32).fill(0xff)))
    const malformed = await mk('ed25519:abc')
    const good = await mk(pub(stranger))
    const r = await replica.receiveEntries([noPubkey, notTheSigner, garbage, malformed, good])
    expect(r.failed).toEqual([noPubkey.id, notTheSigner.id, garbage.id, malformed.id].sort())
    expect(r.verified).toEqual([good.id])
    expect(await (await (await Database.open(replica, ctx.db.id)).getStore('s', DocStore)).get('a')).toBe(pub(stranger))
  })

  it('refuses a sigKey naming a missing key, a delegation as a key, and a sig.pubkey that contradicts the named key', async () => {
    const w = await world()
    const mk = (sigKey: SigKey, key: SigningKey, pubkey?: string) =>
      forge({ db: w.db.id, parents: [w.first], stores: { s: { parents: [w.first], data: data({ x: 1 }) } }, sigKey, key, ...(pubkey === undefined ? {} : { pubkey }) })
    const missing = await mk('ghost', w.keys.stranger)
    const contradicted = await mk('writer', w.keys.writer, pub(w.keys.stranger))
    const lastStepWithTips = await mk([{ key: 'writer', tips: [w.first] }], w.keys.writer)
    const r = await w.replica.receiveEntries([missing, contradicted, lastStepWithTips])
    expect(r.failed).toEqual([missing.id, contradicted.id, lastStepWithTips.id].sort())
    // A sig.pubkey equal to the named key is harmless.
    const consistent = await mk('writer', w.keys.writer, pub(w.keys.writer))
    expect((await w.replica.receiveEntries([consistent])).verified).toEqual([consistent.id])
  })
})

describe('adversarial receive: delegation', () => {
  /** D0 delegates `next` to D1 … to Dn, which holds bob as Admin(0). */
  async function chain(n: number) {
    const engine = newEngine()
    const owner = await keyFromSeed(1)
    const bob = await keyFromSeed(2)
    const dbs: Database[] = []
    dbs[n] = await Database.create(engine, { name: `d${n}`, auth: { bob: { pubkey: pub(bob), permission: { kind: 'admin', priority: 0 }, status: 'active' } } }, { key: bob, sigKey: 'bob' })
    for (let i = n - 1; i >= 0; i--) {
      const db = await Database.create(engine, { name: `d${i}` }, { key: owner, sigKey: 'owner' })
      const next = dbs[i + 1]!
      await settle(db, async (s) => s.setDelegation('next', { root: next.id, tips: await next.getTips(), bounds: { max: Permission.write(3) } }))
      dbs[i] = db
    }
    const path = async (): Promise<DelegationStep[]> => [
      ...(await Promise.all(dbs.slice(1).map(async (d) => ({ key: 'next', tips: await d.getTips() })))),
      { key: 'bob', tips: null },
    ]
    const byBob = async (sigKey: SigKey, value: unknown) => {
      const d0 = dbs[0]!
      const tip = (await d0.getTips())[0]!
      return forge({ db: d0.id, parents: [tip], stores: { s: { parents: [] , data: data({ v: value }) } }, sigKey, key: bob })
    }
    return { engine, dbs, bob, path, byBob }
  }

  it('a received entry with an 11-step delegation path fails; 10 steps verify', async () => {
    const ten = await chain(9)
    const eleven = await chain(10)
    for (const c of [ten, eleven]) {
      const replica = newEngine()
      for (const d of c.dbs) await sync(d, replica)
      const path = await c.path()
      const e = await c.byBob(path, path.length)
      const r = await replica.receiveEntries([e])
      if (path.length === 10) expect(r.verified).toEqual([e.id])
      else expect(r.failed).toEqual([e.id])
    }
  })

  it('claimed delegation tips: foreign or failed → fails; not received yet → waits, then verifies', async () => {
    const c = await chain(1)
    const [d0, d1] = [c.dbs[0]!, c.dbs[1]!]
    const other = await Database.create(c.engine, { name: 'other' }, { key: c.bob, sigKey: 'bob' })
    const replica = newEngine()
    await sync(d0, replica)
    await sync(other, replica)
    const foreign = await c.byBob([{ key: 'next', tips: [other.id] }, { key: 'bob', tips: null }], 'foreign')
    // D1 is not on the replica yet: the entry waits for the tips it names.
    const early = await c.byBob(await c.path(), 'early')
    const r1 = await replica.receiveEntries([foreign, early])
    expect(r1.failed).toEqual([foreign.id])
    expect(r1.pending).toEqual([early.id])
    const r2 = await sync(d1, replica)
    expect(r2.verified).toContain(early.id)
    expect(await statusOf(replica, early.id)).toBe('verified')
    // A tip that is itself a failed entry of the delegated database: fails.
    const bad = await forge({ db: d1.id, parents: [d1.id], sigKey: 'ghost', key: c.bob })
    expect((await replica.receiveEntries([bad])).failed).toEqual([bad.id])
    const viaFailed = await c.byBob([{ key: 'next', tips: [bad.id] }, { key: 'bob', tips: null }], 'via failed')
    expect((await replica.receiveEntries([viaFailed])).failed).toEqual([viaFailed.id])
  })
  it('a key revoked in the delegated database cannot sign by naming its tips from before the revocation, once the delegation names later tips', async () => {
    const c = await chain(1)
    const [d0, d1] = [c.dbs[0]!, c.dbs[1]!]
    const owner = d0.withSigner({ key: await keyFromSeed(1), sigKey: 'owner' })
    const carol = await keyFromSeed(3)
    await settle(d1, (s) => s.addKey('carol', { pubkey: pub(carol), permission: Permission.admin(0) }))
    const oldTips = await d1.getTips()
    await settle(d1.withSigner({ key: carol, sigKey: 'carol' }), (s) => s.revokeKey('bob'))
    // The delegating database acknowledges the revocation by naming D1's later tips.
    await settle(owner, async (s) => s.setDelegation('next', { root: d1.id, tips: await d1.getTips(), bounds: { max: Permission.write(3) } }))
    const replica = newEngine()
    await sync(d1, replica)
    await sync(d0, replica)
    const bobReplay = await c.byBob([{ key: 'next', tips: oldTips }, { key: 'bob', tips: null }], 'replayed')
    const bobNow = await c.byBob(await c.path(), 'current')
    const tip = (await d0.getTips())[0]!
    const carolNow = await forge({ db: d0.id, parents: [tip], stores: { s: { parents: [], data: data({ v: 'carol' }) } }, sigKey: [{ key: 'next', tips: await d1.getTips() }, { key: 'carol', tips: null }], key: carol })
    const carolOld = await forge({ db: d0.id, parents: [tip], stores: { s: { parents: [], data: data({ v: 'carol old' }) } }, sigKey: [{ key: 'next', tips: oldTips }, { key: 'carol', tips: null }], key: carol })
    const r = await replica.receiveEntries([bobReplay, bobNow, carolNow, carolOld])
    expect(r.failed).toEqual([bobReplay.id, bobNow.id, carolOld.id].sort())
    expect(r.verified).toEqual([carolNow.id])
    // Locally too.
    await expectCode(write(d0.withSigner({ key: c.bob, sigKey: [{ key: 'next', tips: oldTips }, { key: 'bob', tips: null }] }), { v: 'local replay' }), 'UNAUTHORIZED')
  })
})

describe('adversarial receive: structure', () => {
  it('settings_tips that lie are refused; validation never trusts them', async () => {
    const w = await world()
    const revoked = await settle(w.db, (s) => s.revokeKey('writer'))
    await sync(w.db, w.replica)
    // The revoked writer claims the settings from before its revocation.
    const liar = await forge({
      db: w.db.id,
      parents: [revoked],
      stores: { s: { parents: [w.first], data: data({ a: 'liar' }) } },
      sigKey: 'writer',
      key: w.keys.writer,
      metadata: JSON.stringify({ settings_tips: [w.keysAdded] }),
    })
    // A valid signer whose metadata names settings tips that are not those of its parents.
    const wrongTips = await forge({
      db: w.db.id,
      parents: [revoked],
      stores: { s: { parents: [w.first], data: data({ a: 'wrong tips' }) } },
      sigKey: 'admin',
      key: w.keys.admin,
      metadata: JSON.stringify({ settings_tips: [w.keysAdded] }),
    })
    const honest = await forge({
      db: w.db.id,
      parents: [revoked],
      stores: { s: { parents: [w.first], data: data({ a: 'honest' }) } },
      sigKey: 'admin',
      key: w.keys.admin,
      metadata: JSON.stringify({ settings_tips: [revoked] }),
    })
    const r = await w.replica.receiveEntries([liar, wrongTips, honest])
    expect(r.failed).toEqual([liar.id, wrongTips.id].sort())
    expect(r.verified).toEqual([honest.id])
  })

  it('store parents outside the entry\'s history fail (they would make reads depend on the route taken)', async () => {
    const w = await world()
    // Two concurrent branches A and B on the origin.
    const A = await write(w.db, { a: 'A' }, [w.first])
    const B = await write(w.db, { a: 'B' }, [w.first])
    await sync(w.db, w.replica)
    // Parents [A], but store parents name B (a sibling it never saw).
    const sibling = await forge({ db: w.db.id, parents: [A], stores: { s: { parents: [A, B].sort() , data: data({ c: 1 }) } }, sigKey: 'writer', key: w.keys.writer })
    // Parents [A], store parents skip back past A to `first`.
    const stale = await forge({ db: w.db.id, parents: [A], stores: { s: { parents: [w.first], data: data({ c: 2 }) } }, sigKey: 'writer', key: w.keys.writer })
    // A store parent that is not in the database at all.
    const foreign = await forge({ db: w.db.id, parents: [A], stores: { s: { parents: ['sha256:' + 'a'.repeat(64)], data: data({ c: 3 }) } }, sigKey: 'writer', key: w.keys.writer })
    // The settings store parented at nothing although the parents have settings.
    const orphanSettings = await forge({ db: w.db.id, parents: [A], stores: { _settings: { parents: [], data: data({ name: 'x' }) } }, sigKey: 'admin', key: w.keys.admin })
    const right = await forge({ db: w.db.id, parents: [A], stores: { s: { parents: [A], data: data({ c: 4 }) } }, sigKey: 'writer', key: w.keys.writer })
    const r = await w.replica.receiveEntries([sibling, stale, foreign, orphanSettings, right])
    expect(r.failed).toEqual([sibling.id, stale.id, foreign.id, orphanSettings.id].sort())
    expect(r.verified).toEqual([right.id])
  })

  it('a store parent still pending does not decide the outcome by arrival order', async () => {
    // Before the fix, a store parent that was not yet verified failed the entry
    // on one replica while another replica (that had it) verified it.
    const w = await world()
    const A = await write(w.db, { a: 'A' }, [w.first])
    const B = await write(w.db, { a: 'B' }, [w.first])
    const all = await w.db.getAllEntries()
    const odd = await forge({ db: w.db.id, parents: [A], stores: { s: { parents: [A, B].sort(), data: data({ c: 1 }) } }, sigKey: 'writer', key: w.keys.writer })
    const withB = newEngine()
    await withB.receiveEntries(all)
    const withoutB = newEngine()
    await withoutB.receiveEntries(all.filter((e) => e.id !== B))
    await withB.receiveEntries([odd])
    await withoutB.receiveEntries([odd])
    await withoutB.receiveEntries(all)
    expect(await statusOf(withB, odd.id)).toBe(await statusOf(withoutB, odd.id))
    expect(await stateOf(withB, w.db.id)).toEqual(await stateOf(withoutB, w.db.id))
  })

  it('an entry whose tree.root names another database fails, even with valid keys there', async () => {
    const w = await world()
    const other = await Database.create(w.engine, { name: 'other' }, w.signer)
    await sync(other, w.replica)
    // Parents in db, tree.root = other: the key is Admin(0) in both.
    const crossed = await forge({ db: other.id, parents: [w.first], stores: { s: { parents: [], data: data({ a: 'crossed' }) } }, sigKey: 'admin', key: w.keys.admin })
    // tree.root names a non-root entry.
    const notARoot = await forge({ db: w.first, parents: [w.first], sigKey: 'admin', key: w.keys.admin })
    const r = await w.replica.receiveEntries([crossed, notARoot])
    expect(r.failed).toEqual([crossed.id, notARoot.id].sort())
    expect(await (await Database.open(w.replica, other.id)).getTips()).toEqual([other.id])
  })

  it('a root that differs is another database; root entries with store parents fail', async () => {
    const w = await world()
    const rootEntry = await w.db.getEntry(w.db.id)
    // The same root, its settings granting a stranger Admin(0): a different id, a different database.
    const settings = Doc.decode(rootEntry.subtrees.find((s) => s.name === '_settings')!.data!)
    settings.setPath('auth.stranger', { pubkey: pub(w.keys.stranger), permission: { kind: 'admin', priority: 0 }, status: 'active' })
    const b = EntryBuilder.root().setSubtreeData('_settings', settings.encode()).setMetadata(rootEntry.tree.metadata).setSig({ sig: null, key: 'admin' })
    const fakeRoot = b.build()
    const fakeId = await signEntry(fakeRoot, w.keys.admin)
    expect(fakeId).not.toBe(w.db.id)
    // Claiming the original id is refused outright.
    await expectCode(w.replica.receiveEntries([{ id: w.db.id, entry: fakeRoot }]), 'INVALID_ENTRY')
    expect((await w.replica.receiveEntries([fakeRoot])).verified).toEqual([fakeId])
    expect(await (await (await Database.open(w.replica, w.db.id)).getSettings()).getKey('stranger')).toBeUndefined()

    // A root whose stores have parents would pull in another database's history.
    const mkRoot = async (store: string, parents: Id[]) => {
      const e = EntryBuilder.root()
        .setSubtreeData('_settings', data({ auth: { admin: { pubkey: pub(w.keys.admin), permission: { kind: 'admin', priority: 0 }, status: 'active' } } }))
        .setSubtreeParents(store, parents)
        .setSubtreeData(store, data({ stolen: true }))
        .setMetadata(JSON.stringify({ settings_tips: [], entropy: parents.length + store.length }))
        .setSig({ sig: null, key: 'admin' })
        .build()
      return { id: await signEntry(e, w.keys.admin), entry: e }
    }
    const dataParents = await mkRoot('s', [w.first])
    const settingsParents = await mkRoot('_settings', [w.keysAdded])
    const missingParents = await mkRoot('t', ['sha256:' + 'b'.repeat(64)])
    const r = await w.replica.receiveEntries([dataParents, settingsParents, missingParents])
    expect(r.failed).toEqual([dataParents.id, settingsParents.id, missingParents.id].sort())
    await expectCode(Database.open(w.replica, dataParents.id), 'DATABASE_NOT_FOUND')
  })

  it('entries of an unknown database stay pending (not visible) and verify once the root arrives', async () => {
    const ctx = await setup()
    for (let i = 0; i < 5; i++) await write(ctx.db, { i })
    const all = await ctx.db.getAllEntries()
    const replica = newEngine()
    const r1 = await replica.receiveEntries(all.slice(1))
    expect(r1.pending).toEqual(all.slice(1).map((e) => e.id).sort())
    expect(r1.verified).toEqual([])
    await expectCode(Database.open(replica, ctx.db.id), 'DATABASE_NOT_FOUND')
    // Receiving them again does not duplicate anything.
    expect((await replica.receiveEntries(all.slice(1))).pending).toHaveLength(all.length - 1)
    expect(await replica.backend.idsByStatus('unverified')).toHaveLength(all.length - 1)
    const r2 = await replica.receiveEntries(all.slice(0, 1))
    expect(r2.verified).toEqual(all.map((e) => e.id).sort())
    expect(await replica.backend.idsByStatus('unverified')).toEqual([])
  })

  it('the index of waiting entries holds one link per missing parent and empties once they settle', async () => {
    const ctx = await setup()
    const first = await write(ctx.db, { a: 0 })
    const all = await ctx.db.getAllEntries()
    const key = ctx.key
    // 500 entries of a database this replica has never seen, all on the same (missing) parent.
    const orphans: Forged[] = []
    for (let i = 0; i < 500; i++)
      orphans.push(await forge({ db: ctx.db.id, parents: [first], stores: { s: { parents: [first], data: data({ i }) } }, sigKey: 'admin', key }))
    const replica = newEngine()
    const r1 = await replica.receiveEntries(orphans)
    expect(r1.pending).toHaveLength(500)
    // (the engine type from dist and from src differ for tsc only; at run time both are src)
    const waiting = sharedOf(replica as never).waiting
    expect([...waiting.keys()]).toEqual([first])
    expect(waiting.get(first)?.size).toBe(500)
    const r2 = await replica.receiveEntries(all)
    expect(r2.verified).toHaveLength(502)
    expect(waiting.size).toBe(0)
    expect(await replica.backend.idsByStatus('unverified')).toEqual([])
  })

  it('an entry that fails through one parent leaves no waiting link under another that never comes', async () => {
    const w = await world()
    const bad = await forge({ db: w.db.id, parents: [w.first], sigKey: 'ghost', key: w.keys.writer })
    const never = 'sha256:' + 'f'.repeat(64)
    const child = await forge({ db: w.db.id, parents: [bad.id, never].sort(), sigKey: 'writer', key: w.keys.writer })
    expect((await w.replica.receiveEntries([child])).pending).toEqual([child.id])
    const waiting = sharedOf(w.replica as never).waiting
    expect(waiting.get(never)?.has(child.id)).toBe(true)
    const r = await w.replica.receiveEntries([bad])
    expect(r.failed).toEqual([bad.id, child.id].sort())
    expect(waiting.size).toBe(0)
  })

  it('an entry with a thousand parents that do not exist waits; one with a failed parent among them fails; more than the limit is malformed', async () => {
    const w = await world()
    const fakes = (n: number) => Array.from({ length: n }, (_, i) => 'sha256:' + i.toString(16).padStart(64, '0')).sort()
    const fake = fakes(ENTRY_LIMITS.maxParents)
    const many = await forge({ db: w.db.id, parents: fake, sigKey: 'writer', key: w.keys.writer })
    const bad = await forge({ db: w.db.id, parents: [w.first], sigKey: 'ghost', key: w.keys.writer })
    const manyWithBad = await forge({ db: w.db.id, parents: [...fake.slice(0, ENTRY_LIMITS.maxParents - 1), bad.id].sort(), sigKey: 'writer', key: w.keys.writer })
    // Nobody can even sign one more: sealing checks the limits. Edited in after signing, it is refused unread.
    const tooMany = { ...many.entry, tree: { ...many.entry.tree, parents: fakes(ENTRY_LIMITS.maxParents + 1) } }
    await expectCode(w.replica.receiveEntries([tooMany]), 'INVALID_ENTRY')
    const r = await w.replica.receiveEntries([many, bad, manyWithBad])
    expect(r.pending).toEqual([many.id])
    expect(r.failed).toEqual([bad.id, manyWithBad.id].sort())
    expect(await (await Database.open(w.replica, w.db.id)).getTips()).toEqual([w.first])
  })

  it('a merge of many verified branches verifies and collapses the tips', async () => {
    const w = await world()
    const branches: Id[] = []
    for (let i = 0; i < 40; i++) branches.push(await write(w.db, { [`b${i}`]: i }, [w.first]))
    await sync(w.db, w.replica)
    const sorted = [...branches].sort()
    const merge = await forge({ db: w.db.id, parents: sorted, stores: { s: { parents: sorted, data: data({ merged: true }) } }, sigKey: 'writer', key: w.keys.writer })
    expect((await w.replica.receiveEntries([merge])).verified).toEqual([merge.id])
    const state = await stateOf(w.replica, w.db.id)
    expect(state.tips).toEqual([merge.id])
    expect(state.s.merged).toBe(true)
    expect(state.s.b39).toBe(39)
  })
})

describe('adversarial receive: the store registry', () => {
  it('a received _index change may register new stores, not re-type, delete or shadow existing ones', async () => {
    const w = await world()
    const mk = (indexData: string, extra: Record<string, { parents: Id[]; data?: string }> = {}) =>
      forge({ db: w.db.id, parents: [w.first], stores: { _index: { parents: [w.first], data: indexData }, ...extra }, sigKey: 'writer', key: w.keys.writer })
    const retype = await mk(data({ s: { type: 'table:v1', config: '{}' } }), { s: { parents: [w.first] } })
    const unregister = await mk(new Doc().delete('s').encode())
    const system = await mk(data({ _settings: { type: 'docstore:v1', config: '{}' } }))
    const garbage = await mk(data({ t: 42 }))
    const fresh = await mk(data({ t: { type: 'table:v1', config: '{}' } }), { t: { parents: [] } })
    const r = await w.replica.receiveEntries([retype, unregister, system, garbage, fresh])
    expect(r.failed).toEqual([retype.id, unregister.id, system.id, garbage.id].sort())
    expect(r.verified).toEqual([fresh.id])
    const view = await Database.open(w.replica, w.db.id)
    expect(await (await view.getStore('s', DocStore)).get('a')).toBe(1)
    await expectCode(view.getStore('t', DocStore), 'TYPE_MISMATCH')
  })
})

describe('adversarial receive: repetition, taint, mixed batches, bad data', () => {
  it('the same entry twice (in one batch, across batches, concurrently) is stored once and told once', async () => {
    const w = await world()
    const e = await forge({ db: w.db.id, parents: [w.first], stores: { s: { parents: [w.first], data: data({ a: 'twice' }) } }, sigKey: 'writer', key: w.keys.writer })
    const told: Id[] = []
    w.replica.hooks.on('remote', (ev) => void told.push(ev.entryId))
    const [r1, r2] = await Promise.all([w.replica.receiveEntries([e, e.entry, e]), w.replica.receiveEntries([e])])
    expect(r1.verified).toEqual([e.id])
    expect(r2.verified).toEqual([])
    expect((await w.replica.receiveEntries([e])).verified).toEqual([])
    expect(told).toEqual([e.id])
  })

  it('a valid entry below a failed one is tainted, now and when it arrives later; siblings still land', async () => {
    const w = await world()
    const forgedSig = await forge({ db: w.db.id, parents: [w.first], stores: { s: { parents: [w.first], data: data({ a: 'forged' }) } }, sigKey: 'admin', key: w.keys.stranger })
    const child = await forge({ db: w.db.id, parents: [forgedSig.id], stores: { s: { parents: [forgedSig.id], data: data({ a: 'child' }) } }, sigKey: 'admin', key: w.keys.admin })
    const sibling = await forge({ db: w.db.id, parents: [w.first], stores: { s: { parents: [w.first], data: data({ b: 'sibling' }) } }, sigKey: 'writer', key: w.keys.writer })
    const merge = await forge({ db: w.db.id, parents: [child.id, sibling.id].sort(), sigKey: 'admin', key: w.keys.admin })
    const r1 = await w.replica.receiveEntries([merge, child, sibling, forgedSig])
    expect(r1.failed).toEqual([forgedSig.id, child.id, merge.id].sort())
    expect(r1.verified).toEqual([sibling.id])
    const late = await forge({ db: w.db.id, parents: [merge.id], sigKey: 'admin', key: w.keys.admin })
    expect((await w.replica.receiveEntries([late])).failed).toEqual([late.id])
    const state = await stateOf(w.replica, w.db.id)
    expect(state.tips).toEqual([sibling.id])
    expect(state.s).toEqual({ a: 1, b: 'sibling' })
  })

  it('a batch mixing valid and forged entries: the valid ones land', async () => {
    const w = await world()
    const good1 = await forge({ db: w.db.id, parents: [w.first], stores: { s: { parents: [w.first], data: data({ g: 1 }) } }, sigKey: 'writer', key: w.keys.writer })
    const good2 = await forge({ db: w.db.id, parents: [good1.id], stores: { s: { parents: [good1.id], data: data({ g: 2 }) } }, sigKey: 'admin1', key: w.keys.admin1 })
    const forged = await forge({ db: w.db.id, parents: [w.first], stores: { s: { parents: [w.first], data: data({ f: 1 }) } }, sigKey: 'admin1', key: w.keys.writer })
    const unauthorized = await forge({ db: w.db.id, parents: [good1.id], stores: { s: { parents: [good1.id], data: data({ f: 2 }) } }, sigKey: 'reader', key: w.keys.reader })
    const r = await w.replica.receiveEntries([forged, good2, unauthorized, good1])
    expect(r.verified).toEqual([good1.id, good2.id].sort())
    expect(r.failed).toEqual([forged.id, unauthorized.id].sort())
    expect((await stateOf(w.replica, w.db.id)).s).toEqual({ a: 1, g: 2 })
  })

  it('a malformed entry anywhere in a batch refuses the whole batch, storing nothing', async () => {
    const w = await world()
    const good = await forge({ db: w.db.id, parents: [w.first], sigKey: 'writer', key: w.keys.writer })
    for (const bad of [null, 42, { tree: {} }, { ...good.entry, sig: { ...good.entry.sig, sig: 'AAAA' } }, { id: 5, entry: good.entry }]) {
      await expectCode(w.replica.receiveEntries([good, bad as never]), 'INVALID_ENTRY')
      expect(await w.replica.backend.has(good.id)).toBe(false)
    }
  })

  it('data that does not decode for its store is skipped the same way on every replica', async () => {
    const w = await world()
    const junk = await forge({ db: w.db.id, parents: [w.first], stores: { s: { parents: [w.first], data: '{"doc":{"a":' } }, sigKey: 'writer', key: w.keys.writer })
    const deep = await forge({ db: w.db.id, parents: [junk.id], stores: { s: { parents: [junk.id], data: '{"doc":{"x":'.repeat(400) + '1' + '}}'.repeat(400) } }, sigKey: 'writer', key: w.keys.writer })
    const after = await forge({ db: w.db.id, parents: [deep.id], stores: { s: { parents: [deep.id], data: data({ b: 2 }) } }, sigKey: 'writer', key: w.keys.writer })
    const r = await w.replica.receiveEntries([after, deep, junk])
    expect(r.verified).toEqual([junk.id, deep.id, after.id].sort())
    const other = newEngine()
    await other.receiveEntries([...(await w.db.getAllEntries()), junk, deep, after].reverse())
    expect(await stateOf(other, w.db.id)).toEqual(await stateOf(w.replica, w.db.id))
    expect((await stateOf(w.replica, w.db.id)).s).toEqual({ a: 1, b: 2 })
  })
})
