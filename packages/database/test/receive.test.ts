import { describe, expect, it, vi } from 'vitest'
import { Database, Doc, DocStore, EntryBuilder, Permission, signEntry, type Entry, type Id } from '@engram/database'
import { MemoryBackend } from '@engram/backend-memory'
import type { VerificationStatus } from '@engram/backend-api'
import { Engine } from '@engram/database'
import { expectCode, keyFromSeed, newEngine, pub, setup } from './helpers.js'

/** A MemoryBackend that records every write: (id, what). */
class CountingBackend extends MemoryBackend {
  readonly writes: [Id, string][] = []
  override async put(id: Id, entry: Entry, status: VerificationStatus): Promise<void> {
    this.writes.push([id, `put ${status}`])
    return super.put(id, entry, status)
  }
  override async insert(id: Id, entry: Entry, status: VerificationStatus): Promise<boolean> {
    this.writes.push([id, `insert ${status}`])
    return super.insert(id, entry, status)
  }
  override async setStatus(id: Id, status: VerificationStatus): Promise<void> {
    this.writes.push([id, `setStatus ${status}`])
    return super.setStatus(id, status)
  }
}

async function write(db: Database, values: Record<string, unknown>, tips?: Id[]): Promise<Id> {
  const txn = tips ? await db.newTransactionAt(tips) : await db.newTransaction()
  const s = await txn.getStore('s', DocStore)
  for (const [k, v] of Object.entries(values)) await s.set(k, v as never)
  return txn.commit()
}

async function entriesOf(db: Database): Promise<{ id: Id; entry: Entry }[]> {
  return db.getAllEntries()
}

describe('receiveEntries', () => {
  it('replicates a database in order: same tips, same state, remote hooks once each', async () => {
    const { db } = await setup()
    for (let i = 0; i < 20; i++) await write(db, { [`k${i % 4}`]: i })
    const replica = newEngine()
    const seen: Id[] = []
    replica.hooks.on('remote', (e) => void seen.push(e.entryId))
    const all = await entriesOf(db)
    const result = await replica.receiveEntries(all.map((e) => e.entry))
    expect(result.verified).toEqual(all.map((e) => e.id).sort())
    expect(result.pending).toEqual([])
    expect(result.failed).toEqual([])
    expect(seen.sort()).toEqual(all.map((e) => e.id).sort())
    const copy = await Database.open(replica, db.id)
    expect(await copy.getTips()).toEqual(await db.getTips())
    expect(await (await copy.getStore('s', DocStore)).toJSON()).toEqual(await (await db.getStore('s', DocStore)).toJSON())
    // Receiving again changes nothing and fires nothing.
    const again = await replica.receiveEntries(all)
    expect(again.verified).toEqual([])
    expect(seen).toHaveLength(all.length)
  })

  it('stores each new entry once, when settled; those still waiting as unverified, then one status change each', async () => {
    const { db } = await setup()
    for (let i = 0; i < 8; i++) await write(db, { i })
    const all = await entriesOf(db)
    const backend = new CountingBackend()
    const replica = new Engine(backend)
    // Parents first: each entry is validated before it is stored, and stored verified.
    const first = all.slice(0, 5)
    const r1 = await replica.receiveEntries(first.map((e) => e.entry))
    expect(r1.verified).toEqual(first.map((e) => e.id).sort())
    expect(backend.writes).toEqual(first.map((e) => [e.id, 'insert verified']))
    // A gap: 7 and 8 wait for 6; they are stored unverified (a later batch settles them).
    backend.writes.length = 0
    const r2 = await replica.receiveEntries(all.slice(6).map((e) => e.entry))
    expect(r2.pending).toEqual(all.slice(6).map((e) => e.id).sort())
    expect(r2.missing).toEqual([all[5]!.id])
    expect(backend.writes).toEqual(all.slice(6).map((e) => [e.id, 'put unverified']))
    expect(await backend.idsByStatus('unverified')).toEqual(all.slice(6).map((e) => e.id).sort())
    backend.writes.length = 0
    const r3 = await replica.receiveEntries([all[5]!.entry])
    expect(r3.verified).toEqual(all.slice(5).map((e) => e.id).sort())
    expect(backend.writes).toEqual([[all[5]!.id, 'insert verified'], ...all.slice(6).map((e) => [e.id, 'setStatus verified'])])
    const copy = await Database.open(replica, db.id)
    expect(await copy.getTips()).toEqual(await db.getTips())
    expect(await (await copy.getStore('s', DocStore)).get('i')).toBe(7)
  })

  it('an entry another handle stored (unverified) while this receive validated it ends verified in storage too', async () => {
    const { db } = await setup()
    for (let i = 0; i < 3; i++) await write(db, { i })
    const all = await entriesOf(db)
    const racer = all[2]!
    // Another process stores the entry as unverified between this receive's `has` and its write.
    class RacingBackend extends CountingBackend {
      raced = false
      async race(id: Id, entry: Entry): Promise<void> {
        if (id !== racer.id || this.raced) return
        this.raced = true
        await MemoryBackend.prototype.put.call(this, id, entry, 'unverified')
      }
      override async put(id: Id, entry: Entry, status: VerificationStatus): Promise<void> {
        await this.race(id, entry)
        return super.put(id, entry, status)
      }
      override async insert(id: Id, entry: Entry, status: VerificationStatus): Promise<boolean> {
        await this.race(id, entry)
        return super.insert(id, entry, status)
      }
    }
    const backend = new RacingBackend()
    const replica = new Engine(backend)
    const result = await replica.receiveEntries(all.map((e) => e.entry))
    expect(backend.raced).toBe(true)
    expect(result.verified).toEqual(all.map((e) => e.id).sort())
    expect(await backend.getStatus(racer.id)).toBe('verified')
    expect(await backend.idsByStatus('unverified')).toEqual([])
    expect(await backend.getTips(db.id)).toEqual(await db.getTips())
  })

  it('accepts any order: children wait for parents, then verify', async () => {
    const { db } = await setup()
    for (let i = 0; i < 6; i++) await write(db, { i })
    const all = await entriesOf(db)
    const replica = newEngine()
    const onRemote = vi.fn()
    replica.hooks.on('remote', onRemote, db.id)
    const late = all.slice(3).reverse()
    const r1 = await replica.receiveEntries(late)
    expect(r1.verified).toEqual([])
    expect(r1.pending).toEqual(late.map((e) => e.id).sort())
    await expectCode(Database.open(replica, db.id), 'DATABASE_NOT_FOUND')
    const r2 = await replica.receiveEntries(all.slice(0, 3))
    expect(r2.verified).toEqual(all.map((e) => e.id).sort())
    expect(onRemote).toHaveBeenCalledTimes(all.length)
    const copy = await Database.open(replica, db.id)
    expect(await (await copy.getStore('s', DocStore)).get('i')).toBe(5)
  })

  it('refuses an id that does not match the content, and a cycle of claimed ids, storing nothing', async () => {
    const { db } = await setup()
    await write(db, { a: 1 })
    const all = await entriesOf(db)
    const replica = newEngine()
    const tampered = structuredClone(all[1]!)
    tampered.entry.subtrees = tampered.entry.subtrees.map((s) => (s.name === 's' ? { ...s, data: s.data!.replace('1', '2') } : s))
    await expectCode(replica.receiveEntries([all[0]!, tampered]), 'INVALID_ENTRY')
    expect(await replica.backend.has(all[0]!.id)).toBe(false)

    // X claims parent Y and Y claims parent X: ids come from the bytes, so the claims cannot both hold.
    const key = await keyFromSeed(1)
    const X = 'sha256:' + '1'.repeat(64)
    const Y = 'sha256:' + '2'.repeat(64)
    const mk = async (parent: Id) => {
      const e = new EntryBuilder(db.id).setParents([parent]).setSig({ sig: null, key: 'admin' }).build()
      await signEntry(e, key)
      return e
    }
    await expectCode(replica.receiveEntries([{ id: X, entry: await mk(Y) }, { id: Y, entry: await mk(X) }]), 'INVALID_ENTRY')
    expect(await replica.backend.idsByStatus('unverified')).toEqual([])
    await expect(replica.receiveEntries('nope' as never)).rejects.toBeInstanceOf(TypeError)

    // A _root entry with parents is malformed (data-layer §1.6 rule 1).
    const rootWithParent = structuredClone(all[0]!.entry)
    rootWithParent.tree.parents = [all[1]!.id]
    await expectCode(replica.receiveEntries([rootWithParent]), 'INVALID_ENTRY')
  })

  it('marks forged and unauthorized entries failed, taints their descendants, reads unaffected', async () => {
    const { db, key } = await setup()
    await write(db, { a: 1 })
    const all = await entriesOf(db)
    const replica = newEngine()
    await replica.receiveEntries(all)
    const tip = (await db.getTips())[0]!
    const stranger = await keyFromSeed(66)
    const build = async (parents: Id[], signer: typeof key, value: string, sigKey = 'admin') => {
      const e = new EntryBuilder(db.id)
        .setParents(parents)
        .setSubtreeParents('s', [tip])
        .setSubtreeData('s', Doc.fromJSON({ a: value }).encode())
        .setSig({ sig: null, key: sigKey })
        .build()
      const id = await signEntry(e, signer)
      return { id, entry: e }
    }
    // Signed by a key that is not the one named: a forged signature.
    const forged = await build([tip], stranger, 'forged')
    const child = await build([forged.id], key, 'child')
    const grandchild = await build([child.id], key, 'grandchild')
    // Signed by a key not in auth at all.
    const unknown = await build([tip], stranger, 'unknown', 'stranger')
    const result = await replica.receiveEntries([grandchild, child, forged, unknown])
    expect(result.failed).toEqual([forged.id, child.id, grandchild.id, unknown.id].sort())
    expect(result.verified).toEqual([])
    for (const e of [forged, child, grandchild, unknown]) expect(await replica.backend.getStatus(e.id)).toBe('failed')
    const copy = await Database.open(replica, db.id)
    expect(await copy.getTips()).toEqual([tip])
    expect(await (await copy.getStore('s', DocStore)).get('a')).toBe(1)
    // A descendant arriving later is failed at once.
    const late = await build([grandchild.id], key, 'late')
    expect((await replica.receiveEntries([late])).failed).toEqual([late.id])
    // A valid sibling still verifies.
    const good = await build([tip], key, 'good')
    expect((await replica.receiveEntries([good])).verified).toEqual([good.id])
    expect(await (await copy.getStore('s', DocStore)).get('a')).toBe('good')
  })

  it('validates against the settings the parents saw: a key revoked on a concurrent branch still counts before', async () => {
    const { db, engine } = await setup()
    const writerKey = await keyFromSeed(5)
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).addKey('writer', { pubkey: pub(writerKey), permission: Permission.write(1) })
    const added = await t.commit()
    // Branch 1: the writer writes. Branch 2: the admin revokes the writer.
    const asWriter = db.withSigner({ key: writerKey, sigKey: 'writer' })
    const byWriter = await write(asWriter, { w: 1 }, [added])
    const rt = await db.newTransactionAt([added])
    await (await rt.getSettingsStore()).revokeKey('writer')
    const revoked = await rt.commit()
    // After the merge the writer can no longer write here…
    await expectCode(write(asWriter, { w: 2 }), 'UNAUTHORIZED')
    // …but a forged-by-replay attempt on top of the revocation is refused on receipt.
    const e = new EntryBuilder(db.id)
      .setParents([revoked])
      .setSubtreeParents('s', [byWriter])
      .setSubtreeData('s', Doc.fromJSON({ w: 3 }).encode())
      .setSig({ sig: null, key: 'writer' })
      .build()
    const lateId = await signEntry(e, writerKey)
    const replica = newEngine()
    const result = await replica.receiveEntries([...(await entriesOf(db)).map((x) => x.entry), e])
    expect(result.verified).toContain(byWriter)
    expect(result.failed).toEqual([lateId])
    expect(await (await Database.open(replica, db.id)).getTips()).toEqual(await db.getTips())
    void engine
  })

  it('fails a Write key changing settings, and parents from another database', async () => {
    const { db, signer, engine } = await setup()
    const writerKey = await keyFromSeed(5)
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).addKey('writer', { pubkey: pub(writerKey), permission: Permission.write(1) })
    const added = await t.commit()
    const other = await Database.create(engine, { name: 'other' }, signer)
    const replica = newEngine()
    await replica.receiveEntries([...(await entriesOf(db)), ...(await entriesOf(other))])

    const settingsChange = new EntryBuilder(db.id)
      .setParents([added])
      .setSubtreeParents('_settings', [added])
      .setSubtreeData('_settings', Doc.fromJSON({ name: 'hijacked' }).encode())
      .setSig({ sig: null, key: 'writer' })
      .build()
    const s1 = await signEntry(settingsChange, writerKey)
    const crossParent = new EntryBuilder(db.id).setParents([other.id]).setSig({ sig: null, key: 'admin' }).build()
    const s2 = await signEntry(crossParent, signer.key)
    const result = await replica.receiveEntries([settingsChange, crossParent])
    expect(result.failed).toEqual([s1, s2].sort())
    expect(await (await Database.open(replica, db.id)).name()).toBe('test')
  })
})

describe('receiveEntries: what sync needs', () => {
  it('reports the missing main parents of pending entries', async () => {
    const { db } = await setup()
    for (let i = 0; i < 4; i++) await write(db, { i })
    const all = await entriesOf(db)
    const replica = newEngine()
    const r = await replica.receiveEntries([all[0]!, all[3]!])
    expect(r.verified).toEqual([all[0]!.id])
    expect(r.pending).toEqual([all[3]!.id])
    expect(r.missing).toEqual(all[3]!.entry.tree.parents)
    const r2 = await replica.receiveEntries(all.slice(1, 3))
    expect(r2.missing).toEqual([])
    expect(r2.verified).toEqual(all.slice(1, 4).map((e) => e.id).sort())
  })

  it('with databaseId, stores no entry of another database (listed as refused)', async () => {
    const { db } = await setup()
    await write(db, { a: 1 })
    const { db: other } = await setup({ name: 'other' }, 2)
    await write(other, { b: 2 })
    const mine = await entriesOf(db)
    const theirs = await entriesOf(other)
    const replica = newEngine()
    const r = await replica.receiveEntries([...mine, ...theirs], { databaseId: db.id })
    expect(r.verified).toEqual(mine.map((e) => e.id).sort())
    expect(r.refused).toEqual(theirs.map((e) => e.id).sort())
    for (const e of theirs) expect(await replica.backend.has(e.id)).toBe(false)
    await expectCode(Database.open(replica, other.id), 'DATABASE_NOT_FOUND')
  })

  it('a merge of many parents arriving one by one is looked at again only when the last one settles', async () => {
    const { db } = await setup()
    const base = await write(db, { base: true })
    const branches: Id[] = []
    for (let i = 0; i < 24; i++) branches.push(await write(db, { [`b${i}`]: i }, [base]))
    const merge = await write(db, { merged: true })
    const all = await entriesOf(db)
    const byId = new Map(all.map((e) => [e.id, e]))
    const replica = newEngine()
    await replica.receiveEntries(all.filter((e) => e.id !== merge && !branches.includes(e.id)))
    expect((await replica.receiveEntries([byId.get(merge)!])).pending).toEqual([merge])
    const getEntry = vi.spyOn(replica.backend, 'get')
    for (const b of branches) await replica.receiveEntries([byId.get(b)!])
    // Each branch arrival costs O(1) reads of the waiting merge, not O(parents).
    const mergeReads = getEntry.mock.calls.filter(([id]) => id === merge).length
    expect(mergeReads).toBeLessThanOrEqual(2)
    const copy = await Database.open(replica, db.id)
    expect(await copy.getTips()).toEqual([merge])
  })
})
