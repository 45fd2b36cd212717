/**
 * Durable state checkpoints (issue 10): the engine writes store states into a
 * backend with the checkpoint capability and, after a reopen, folds only from
 * the newest usable one. Checkpoints are derived data: a damaged, forged,
 * foreign or stale one never changes what reads return.
 */
import { describe, expect, it, vi } from 'vitest'
import { assertCheckpoint, CHECKPOINTS_KEPT, type Backend, type Checkpoint, type CheckpointBackend } from '@engram/backend-api'
import { MemoryBackend } from '@engram/backend-memory'
import { Database, DocStore, Engine, Permission, type Id } from '@engram/database'
import { keyFromSeed, pub, settle, write } from './helpers.js'

/** A MemoryBackend that also keeps checkpoints (as SQLite and PostgreSQL do). */
class CheckpointMemory extends MemoryBackend implements CheckpointBackend {
  readonly rows = new Map<string, Checkpoint>()
  async putCheckpoint(checkpoint: Checkpoint): Promise<void> {
    const c = assertCheckpoint(checkpoint)
    this.rows.set(JSON.stringify([c.tree, c.store, c.kind, c.tips]), c)
    const mine = this.#of(c.tree, c.store, c.kind)
    for (const old of mine.slice(CHECKPOINTS_KEPT)) this.rows.delete(JSON.stringify([old.tree, old.store, old.kind, old.tips]))
  }
  #of(tree: Id, store: string, kind: string): Checkpoint[] {
    return [...this.rows.values()]
      .filter((c) => c.tree === tree && c.store === store && c.kind === kind)
      .sort((a, b) => b.height - a.height || (a.tips.join() < b.tips.join() ? -1 : 1))
  }
  async getCheckpoints(tree: Id, store: string, kind: string, limit = 1): Promise<Checkpoint[]> {
    return this.#of(tree, store, kind).slice(0, limit).map((c) => ({ ...c, tips: [...c.tips] }))
  }
  async deleteCheckpoints(tree: Id, store?: string): Promise<void> {
    for (const [k, c] of this.rows) if (c.tree === tree && (store === undefined || c.store === store)) this.rows.delete(k)
  }
}

/** Another handle on the same storage (a "reopen": a new object, so the engine starts cold), counting entry reads. */
function reopen(inner: CheckpointMemory): { backend: Backend; reads: () => number } {
  let reads = 0
  const backend = new Proxy(inner, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown
      if (typeof value !== 'function') return value
      if (key === 'get') return (id: Id) => (reads++, target.get(id))
      return (value as (...a: unknown[]) => unknown).bind(target)
    },
  })
  return { backend, reads: () => reads }
}

/** Retries `check` until it passes (vitest's `vi.waitFor`), failing after `timeout` ms. */
const eventually = (check: () => unknown, timeout = 5000) => vi.waitFor(check, { timeout, interval: 5 })

const KEYS = 50

/** A database with `n` commits to store `s` (commit i sets `k{i % KEYS}` to i). */
async function history(n: number) {
  const backend = new CheckpointMemory()
  const engine = new Engine(backend)
  const signer = { key: await keyFromSeed(7), sigKey: 'admin' }
  const db = await Database.create(engine, { name: 'durable' }, signer)
  const ids: Id[] = []
  for (let i = 0; i < n; i++) {
    const txn = await db.newTransaction()
    await (await txn.getStore('s', DocStore)).set(`k${i % KEYS}`, i)
    ids.push(await txn.commit())
  }
  return { backend, engine, db, signer, ids }
}

/** The values a fold of the first `n` commits gives. */
const expected = (n: number) => Object.fromEntries(Array.from({ length: Math.min(n, KEYS) }, (_, k) => [`k${k}`, k + KEYS * Math.floor((n - 1 - k) / KEYS)]))

async function readAll(backend: Backend, dbId: Id, tips?: Id[]): Promise<Record<string, unknown>> {
  const db = await Database.open(new Engine(backend), dbId)
  if (tips === undefined) return (await (await db.getStore("s", DocStore)).toJSON()) as Record<string, unknown>
  const txn = await db.newTransactionAt(tips)
  return (await (await txn.getStore("s", DocStore)).toJSON()) as Record<string, unknown>
}

const storeRows = (b: CheckpointMemory, dbId: Id) => [...b.rows.values()].filter((c) => c.tree === dbId && c.store === 's')

describe('durable checkpoints', () => {
  it('commits write checkpoints now and then; a reopen folds only the entries above the newest one', async () => {
    const { backend, db } = await history(1200)
    await eventually(() => expect(storeRows(backend, db.id).length).toBeGreaterThan(0))
    const rows = storeRows(backend, db.id)
    expect(rows.length).toBeLessThanOrEqual(CHECKPOINTS_KEPT)
    expect(rows[0]!.data.startsWith('engram-checkpoint 1 ')).toBe(true)
    expect(rows[0]!.kind).toBe(DocStore.typeId)

    const cold = reopen(backend)
    expect(await readAll(cold.backend, db.id)).toEqual(expected(1200))
    // The newest checkpoint is at most DURABLE_MAX behind; here (a small state) far less than the 1,200 entries of history.
    expect(cold.reads()).toBeLessThan(700)

    // A checkpoint at the head itself: nothing of `s` is folded.
    const head = await backend.getStoreTips(db.id, 's')
    const newest = storeRows(backend, db.id).sort((a, b) => b.height - a.height)[0]!
    await backend.putCheckpoint({ ...newest, tips: head, height: newest.height + 1000, data: newest.data })
    const forgedHead = reopen(backend)
    expect(await readAll(forgedHead.backend, db.id), 'a genuine row moved to other tips is refused').toEqual(expected(1200))
  })

  it('a backend without checkpoints folds from the root as before, with the same values', async () => {
    const { backend, db } = await history(300)
    const plain = new MemoryBackend()
    for (const e of await backend.getTree(db.id)) await plain.put((await import('@engram/backend-api')).entryId(e), e, 'verified')
    expect(await readAll(plain, db.id)).toEqual(await readAll(reopen(backend).backend, db.id))
  })

  it('a damaged, forged, foreign or other-version checkpoint row changes nothing that reads return', async () => {
    const { backend, db, ids } = await history(700)
    await eventually(() => expect(storeRows(backend, db.id).length).toBeGreaterThan(0))
    // Every kind of tampering below hits the newest row, the one the walk reaches first.
    const good = storeRows(backend, db.id).sort((a, b) => b.height - a.height)[0]!
    const head = good.tips[0]!
    expect(ids).toContain(head)
    const genuine = reopen(backend)
    expect(await readAll(genuine.backend, db.id)).toEqual(expected(700))
    const baseline = genuine.reads()
    expect(baseline).toBeLessThan(700 - ids.indexOf(head) + 10)
    const [header, body] = [good.data.slice(0, good.data.indexOf('\n')), good.data.slice(good.data.indexOf('\n') + 1)]
    const forgedState = '{"doc":{"k0":"forged","k1":"forged"}}'
    const variants: Record<string, string> = {
      'state changed, digest kept': header + '\n' + body.replace(/"k0":\d+/, '"k0":"forged"'),
      'forged state with a made-up digest': 'engram-checkpoint 1 ' + 'ab'.repeat(32) + '\n' + forgedState,
      'another format version': header.replace('engram-checkpoint 1 ', 'engram-checkpoint 2 ') + '\n' + body,
      'no header': body,
      'not a state at all': '\u0000garbage ✓',
      'truncated': good.data.slice(0, Math.floor(good.data.length / 2)),
      'empty': '',
    }
    const original = new Map(backend.rows)
    const restore = () => {
      backend.rows.clear()
      for (const [k, v] of original) backend.rows.set(k, v)
    }
    for (const [what, data] of Object.entries(variants)) {
      restore() // a read that ignored a row may write a good one at the head (rebuilt): start from the same rows each time
      await backend.putCheckpoint({ ...good, data })
      const cold = reopen(backend)
      expect(await readAll(cold.backend, db.id), what).toEqual(expected(700))
      expect(cold.reads(), `${what}: ignored, so the fold starts lower`).toBeGreaterThan(baseline + 50)
    }
    restore()
    // A genuine row of another database, copied over: bound to its own tree, so ignored.
    const other = await history(300)
    await eventually(() => expect(storeRows(other.backend, other.db.id).length).toBeGreaterThan(0))
    const foreign = storeRows(other.backend, other.db.id)[0]!
    await backend.putCheckpoint({ ...foreign, tree: db.id, tips: [head], height: good.height })
    expect(await readAll(reopen(backend).backend, db.id)).toEqual(expected(700))
    // The same row with a higher height claim, and a row for another kind: still the right values.
    await backend.putCheckpoint({ ...good, height: good.height + 10, data: variants['forged state with a made-up digest']! })
    await backend.putCheckpoint({ ...good, kind: 'table:v1', data: good.data })
    expect(await readAll(reopen(backend).backend, db.id)).toEqual(expected(700))
    // Put back the genuine rows: used again.
    restore()
    const cold = reopen(backend)
    expect(await readAll(cold.backend, db.id)).toEqual(expected(700))
    expect(cold.reads()).toBe(baseline)
  })

  it('a checkpoint at tips that are no longer in the history of head is not used', async () => {
    const { backend, db, ids, signer } = await history(700)
    await eventually(() => expect(storeRows(backend, db.id).some((c) => ids.indexOf(c.tips[0]!) >= 450)).toBe(true))
    // The last 250 entries leave the verified history (e.g. found invalid): head moves back to entry 450, below the newest checkpoint.
    for (const id of ids.slice(450)) await backend.setStatus(id, 'failed')
    expect(await readAll(reopen(backend).backend, db.id)).toEqual(expected(450))
    // A new branch from there, and reads at an older tip, ignore the checkpoints above them too.
    const later = reopen(backend)
    const dbLater = await Database.open(new Engine(later.backend), db.id, signer)
    const txn = await dbLater.newTransaction()
    await (await txn.getStore('s', DocStore)).set('k0', 'new branch')
    await txn.commit()
    expect(await readAll(reopen(backend).backend, db.id)).toEqual({ ...expected(450), k0: 'new branch' })
    expect(await readAll(reopen(backend).backend, db.id, [ids[99]!])).toEqual(expected(100))
  })

  it('under a revocation cut (DECISIONS 18), reads after a reopen show the cut, whatever checkpoints the plain folds left', async () => {
    const backend = new CheckpointMemory()
    const engine = new Engine(backend)
    const admin = { key: await keyFromSeed(7), sigKey: 'admin' }
    const writerKey = await keyFromSeed(12)
    const db = await Database.create(engine, { name: 'cut' }, admin)
    await settle(db, (s) => s.addKey('writer', { pubkey: pub(writerKey), permission: Permission.write(5) }))
    const base = await write(db, { base: 1 })
    // The writer's long branch from `base` (checkpoints get written along it)…
    const asWriter = db.withSigner({ key: writerKey, sigKey: 'writer' })
    let tip = base
    for (let i = 0; i < 400; i++) tip = await write(asWriter, { [`w${i % 20}`]: i }, [tip])
    // …and, concurrently, the admin revokes the writer: every write of that branch is cut.
    await settle(db, (s) => s.revokeKey('writer'), [base])
    for (let i = 0; i < 400; i++) await write(db, { [`a${i % 20}`]: i })
    await eventually(() => expect(storeRows(backend, db.id).length).toBeGreaterThan(0))
    const want = await (await db.getStore('s', DocStore)).toJSON()
    expect(want['w0']).toBeUndefined()
    expect(want['a0']).toBe(380)
    // A replica that received every entry computes the same; so does a reopen over the checkpoints.
    const replica = new Engine(new MemoryBackend())
    expect((await replica.receiveEntries(await db.getAllEntries())).failed).toEqual([])
    expect(await (await (await Database.open(replica, db.id)).getStore('s', DocStore)).toJSON()).toEqual(want)
    expect(await readAll(reopen(backend).backend, db.id)).toEqual(want)
    // At the writer's branch alone (no revocation in its history) the writes show: checkpoints along it serve that plain fold.
    expect((await readAll(reopen(backend).backend, db.id, [tip]))['w19']).toBe(399)
  })
})
