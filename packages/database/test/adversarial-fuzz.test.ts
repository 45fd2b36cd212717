/**
 * Adversarial review, fuzzing: well-formed entries with hostile content
 * (auth entries of every wrong shape and type, odd sig keys and delegation
 * paths, metadata, `_index` data) never make `receiveEntries` throw — each
 * entry ends verified, failed or pending — and two replicas receiving them
 * in opposite orders agree on every status and on the state.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Database, Doc, DocStore, EntryBuilder, Permission, signEntry, type Entry, type Id, type SigKey } from '@engram/database'
import type { SigningKey } from '@engram/crypto'
import { keyFromSeed, newEngine, pub, setup } from './helpers.js'

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(1.5, 2 ** 33, -0),
    fc.constantFrom('', '*', 'admin', 'write', 'read', 'active', 'revoked', 'ed25519:abc'),
    fc.array(tie('value'), { maxLength: 2 }),
    fc.dictionary(fc.constantFrom('kind', 'priority', 'pubkey', 'status', 'x'), tie('value'), { maxKeys: 3 }),
  ),
})).value

describe('adversarial fuzz: hostile content in well-formed entries', () => {
  it('never throws, always settles each entry, and is order-independent', async () => {
    const ctx = await setup()
    const writer = await keyFromSeed(12)
    const t = await ctx.db.newTransaction()
    await (await t.getSettingsStore()).addKey('writer', { pubkey: pub(writer), permission: Permission.write(5) })
    const keysAdded = await t.commit()
    const t2 = await ctx.db.newTransaction()
    await (await t2.getStore('s', DocStore)).set('a', 1)
    const first = await t2.commit()
    const base = await ctx.db.getAllEntries()
    const keys: Record<string, SigningKey> = { admin: ctx.key, writer, stranger: await keyFromSeed(14) }

    const permission = fc.oneof(
      fc.constantFrom<unknown>({ kind: 'admin', priority: 0 }, { kind: 'admin', priority: 1 }, { kind: 'write', priority: 5 }, { kind: 'read' }),
      json,
    )
    const authValue = fc.oneof(
      fc.record({
        pubkey: fc.oneof(fc.constantFrom<unknown>(pub(writer), pub(keys.stranger!), '*'), json),
        permission,
        status: fc.oneof(fc.constantFrom<unknown>('active', 'revoked'), json),
      }),
      fc.record({ delegate: fc.oneof(fc.record({ root: fc.constantFrom<unknown>(ctx.db.id, first), tips: fc.constantFrom<unknown>([first], [], 'x') }), json), bounds: fc.oneof(fc.record({ max: permission }), json) }),
      json,
    )
    const authName = fc.constantFrom('admin', 'writer', 'new', '*', '', 'a.b')
    const settingsData = fc.oneof(
      fc.dictionary(authName, authValue, { minKeys: 1, maxKeys: 2 }).map((entries) => {
        return `{"doc":{"auth":{"doc":{${Object.keys(entries)
          .sort()
          .map((name) => `${JSON.stringify(name)}:${Doc.fromJSON({ v: entries[name] as never }).encode().slice('{"doc":{"v":'.length, -2)}`)
          .join(',')}}}}}`
      }),
      fc.constantFrom('{"doc":{"auth":"x"}}', '{"doc":{"auth":{"deleted":true}}}', '{"doc":{"name":"n"}}', '{"doc":{}}', 'garbage'),
    )
    const sigKey: fc.Arbitrary<SigKey> = fc.oneof(
      fc.constantFrom<SigKey>('admin', 'writer', '*', 'ghost', ''),
      fc.array(fc.record({ key: fc.constantFrom('admin', 'writer', 'new', '*'), tips: fc.constantFrom<Id[] | null>(null, [first], [ctx.db.id], ['sha256:' + 'e'.repeat(64)]) }), { minLength: 1, maxLength: 12 }),
    )
    const hostile = fc.record({
      signer: fc.constantFrom('admin', 'writer', 'stranger'),
      sigKey,
      withPubkey: fc.boolean(),
      parent: fc.constantFrom('first', 'keysAdded', 'previous'),
      settings: fc.option(settingsData, { nil: undefined }),
      index: fc.option(fc.constantFrom(Doc.fromJSON({ t: { type: 'docstore:v1', config: '{}' } }).encode(), Doc.fromJSON({ s: { type: 'table:v1', config: '{}' } }).encode(), '{"doc":{"s":{"deleted":true}}}', '{"doc":{"x":5}}'), { nil: undefined }),
      metadata: fc.constantFrom<string | null>(null, '{}', 'not json', '{"settings_tips":[]}', '{"settings_tips":"x"}', `{"settings_tips":["${keysAdded}"]}`),
    })
    // Mostly-honest entries among them, so valid ones interleave with the rest.
    const plausible = fc.record({
      signer: fc.constantFrom('admin', 'writer'),
      parent: fc.constantFrom('first', 'previous'),
      settings: fc.option(settingsData, { nil: undefined, freq: 2 }),
      index: fc.option(fc.constant(Doc.fromJSON({ t: { type: 'docstore:v1', config: '{}' } }).encode()), { nil: undefined }),
    }).map((r) => ({ ...r, sigKey: r.signer as SigKey, withPubkey: false, metadata: null as string | null }))
    const forged = fc.oneof(hostile, plausible)

    await fc.assert(
      fc.asyncProperty(fc.array(forged, { minLength: 1, maxLength: 6 }), async (specs) => {
        const made: { id: Id; entry: Entry }[] = []
        for (const spec of specs) {
          const parent = spec.parent === 'first' ? first : spec.parent === 'keysAdded' ? keysAdded : made[made.length - 1]?.id ?? first
          const b = new EntryBuilder(ctx.db.id).setParents([parent]).setMetadata(spec.metadata)
          if (spec.settings !== undefined) b.setSubtreeParents('_settings', [keysAdded]).setSubtreeData('_settings', spec.settings)
          if (spec.index !== undefined) b.setSubtreeParents('_index', [first]).setSubtreeData('_index', spec.index)
          const key = keys[spec.signer]!
          const sig: Entry['sig'] = { sig: null, key: spec.sigKey }
          if (spec.withPubkey) sig.pubkey = pub(key)
          const entry = b.setSig(sig).build()
          made.push({ id: await signEntry(entry, key), entry })
        }
        const a = newEngine()
        const b = newEngine()
        await a.receiveEntries(base)
        await b.receiveEntries(base)
        const ra = await a.receiveEntries(made)
        const rb = await b.receiveEntries([...made].reverse())
        const ids = [...new Set(made.map((m) => m.id))].sort()
        expect([...ra.verified, ...ra.failed, ...ra.pending].sort()).toEqual(ids)
        expect(ra).toEqual(rb)
        const view = async (engine: typeof a) => {
          const db = await Database.open(engine, ctx.db.id)
          return { tips: await db.getTips(), settings: await (await db.getSettings()).getAll() }
        }
        expect(await view(a)).toEqual(await view(b))
      }),
      { numRuns: 120, seed: 20240601 },
    )
  }, 120_000)
})
