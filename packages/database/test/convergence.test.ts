import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Database, DocStore, Permission, Table, type Id, type Signer } from '@engram/database'
import { keyFromSeed, newEngine, pub } from './helpers.js'

type Op =
  | { kind: 'set'; replica: number; key: string; value: number | string | null }
  | { kind: 'setPath'; replica: number; path: string; value: number }
  | { kind: 'delete'; replica: number; key: string }
  | { kind: 'row'; replica: number; value: number }
  | { kind: 'settings'; replica: number; value: string }
  | { kind: 'sync'; from: number; to: number; order: number[]; batch: number }

const REPLICAS = 3
const replica = fc.nat({ max: REPLICAS - 1 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), replica, key: fc.constantFrom('a', 'b', 'c'), value: fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null)) }),
  fc.record({ kind: fc.constant('setPath' as const), replica, path: fc.constantFrom('o.x', 'o.y', 'a.z'), value: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), replica, key: fc.constantFrom('a', 'b', 'o') }),
  fc.record({ kind: fc.constant('row' as const), replica, value: fc.integer() }),
  fc.record({ kind: fc.constant('settings' as const), replica, value: fc.string({ maxLength: 4 }) }),
  fc.record({
    kind: fc.constant('sync' as const),
    from: replica,
    to: replica,
    order: fc.array(fc.nat(), { maxLength: 40 }),
    batch: fc.integer({ min: 1, max: 5 }),
  }),
)

/** Sends every entry `from` has and `to` lacks, shuffled by `order`, in batches. */
async function sync(from: Database, to: Database, order: number[], batch: number): Promise<void> {
  const entries = await from.getAllEntries()
  const missing: { id: Id; entry: (typeof entries)[number]['entry'] }[] = []
  for (const e of entries) if (!(await to.engine.backend.has(e.id))) missing.push(e)
  for (let i = 0; i < missing.length; i++) {
    const j = (order[i] ?? 0) % missing.length
    ;[missing[i], missing[j]] = [missing[j]!, missing[i]!]
  }
  for (let i = 0; i < missing.length; i += batch) {
    const result = await to.engine.receiveEntries(missing.slice(i, i + batch))
    expect(result.failed).toEqual([])
  }
}

async function snapshot(db: Database) {
  return {
    tips: await db.getTips(),
    doc: await (await db.getStore('doc', DocStore)).toJSON(),
    rows: await (await db.getStore('rows', Table<number>)).entries(),
    settings: await (await db.getSettings()).getAll(),
  }
}

describe('convergence (property)', () => {
  it('replicas exchanging entries in any order and batches end with the same tips and state', async () => {
    const admin = await keyFromSeed(1)
    const writer = await keyFromSeed(2)
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
        const settings = {
          name: 'shared',
          auth: {
            admin: { pubkey: pub(admin), permission: { kind: 'admin', priority: 0 }, status: 'active' },
            writer: { pubkey: pub(writer), permission: { kind: 'write', priority: 1 }, status: 'active' },
          },
        }
        const first = await Database.create(newEngine(), settings, { key: admin, sigKey: 'admin' })
        const dbs: Database[] = [first]
        for (let i = 1; i < REPLICAS; i++) {
          const engine = newEngine()
          await engine.receiveEntries(await first.getAllEntries())
          // Odd replicas write with the Write key; settings changes always come from the admin.
          const signer: Signer = i % 2 === 1 ? { key: writer, sigKey: 'writer' } : { key: admin, sigKey: 'admin' }
          dbs.push(await Database.open(engine, first.id, signer))
        }
        for (const op of ops) {
          if (op.kind === 'sync') {
            if (op.from !== op.to) await sync(dbs[op.from]!, dbs[op.to]!, op.order, op.batch)
            continue
          }
          const db = op.kind === 'settings' ? dbs[op.replica]!.withSigner({ key: admin, sigKey: 'admin' }) : dbs[op.replica]!
          const txn = await db.newTransaction()
          if (op.kind === 'settings') await (await txn.getSettingsStore()).set('motto', op.value)
          else if (op.kind === 'row') await (await txn.getStore('rows', Table<number>)).insert(op.value)
          else {
            const doc = await txn.getStore('doc', DocStore)
            if (op.kind === 'set') await doc.set(op.key, op.value)
            else if (op.kind === 'setPath') await doc.setPath(op.path, op.value)
            else await doc.delete(op.key)
          }
          await txn.commit()
        }
        // Full exchange, then everyone must agree.
        for (let round = 0; round < 2; round++)
          for (let a = 0; a < REPLICAS; a++) for (let b = 0; b < REPLICAS; b++) if (a !== b) await sync(dbs[a]!, dbs[b]!, [7, 3, 1], 3)
        const expected = await snapshot(dbs[0]!)
        for (const db of dbs.slice(1)) expect(await snapshot(db)).toEqual(expected)
      }),
      { numRuns: 40 },
    )
  }, 120_000)

  it('a Write-key replica cannot sneak a settings change in through sync', async () => {
    const admin = await keyFromSeed(1)
    const writer = await keyFromSeed(2)
    const db = await Database.create(newEngine(), { name: 'x' }, { key: admin, sigKey: 'admin' })
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).addKey('writer', { pubkey: pub(writer), permission: Permission.write(1) })
    await t.commit()
    const engine = newEngine()
    await engine.receiveEntries(await db.getAllEntries())
    const copy = await Database.open(engine, db.id, { key: writer, sigKey: 'writer' })
    const txn = await copy.newTransaction()
    await (await txn.getSettingsStore()).setName('mine')
    await expect(txn.commit()).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
  })
})
