import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encodeEntryText } from '@engram/backend-api'
import { ed25519, formatPublicKey, parsePublicKey } from '@engram/crypto'
import {
  EntryBuilder,
  checkIncomingEntry,
  entryId,
  signEntry,
  validateEntryRules,
  verifyEntrySignature,
  type Entry,
} from '@engram/database'
import { expectCode } from './helpers.js'

const SEED = new Uint8Array(32).map((_, i) => i + 1)
const ROOT = 'sha256:' + 'a'.repeat(64)
const P1 = 'sha256:' + '1'.repeat(64)
const P2 = 'sha256:' + '2'.repeat(64)
const P3 = 'sha256:' + '3'.repeat(64)

function sample(): EntryBuilder {
  return new EntryBuilder(ROOT)
    .setParents([P2, P1])
    .setMetadata('{"settings_tips":[]}')
    .setSubtreeData('tasks', '{"x":1}')
    .setSubtreeParents('tasks', [P3, P1])
    .setSubtreeData('notes', 'hello')
    .setSig({ sig: null, key: 'alice' })
}

async function signed(builder: EntryBuilder): Promise<{ id: string; entry: Entry }> {
  const key = await ed25519.importSigningKey(SEED)
  const entry = builder.build()
  const id = await signEntry(entry, key)
  return { id, entry }
}

describe('EntryBuilder', () => {
  it('sorts and de-duplicates parents, sorts subtrees by name', () => {
    const entry = sample().addParent(P1).build()
    expect(entry.tree.parents).toEqual([P1, P2])
    expect(entry.subtrees.map((s) => s.name)).toEqual(['notes', 'tasks'])
    expect(entry.subtrees[1]!.parents).toEqual([P1, P3])
    expect(entry.subtrees[0]!.parents).toEqual([])
  })

  it('leaves data out of a node that has none', () => {
    const entry = new EntryBuilder(ROOT).setParents([P1]).setSubtreeParents('x', [P2]).build()
    expect('data' in entry.subtrees[0]!).toBe(false)
  })

  it('builds root entries with a _root node', () => {
    const entry = EntryBuilder.root().setSubtreeData('_settings', '{}').build()
    expect(entry.tree.root).toBe('')
    expect(entry.subtrees.map((s) => s.name)).toEqual(['_root', '_settings'])
  })
})

describe('golden entries (frozen: any change to the canonical form breaks these)', () => {
  it('gives a fixed public key, signature and id for fixed content', async () => {
    const key = await ed25519.importSigningKey(SEED)
    expect(formatPublicKey(key.publicKey)).toBe(GOLDEN.publicKey)
    const { id, entry } = await signed(sample())
    expect(entry.sig.sig).toBe(GOLDEN.signature)
    expect(id).toBe(GOLDEN.id)
    expect(entryId(entry)).toBe(GOLDEN.id)
  })

  it('matches an independent computation (node:crypto over the hand-written bytes)', async () => {
    const { id, entry } = await signed(sample())
    expect(encodeEntryText(entry)).toBe(GOLDEN_TEXT)
    expect(id).toBe('sha256:' + createHash('sha256').update(GOLDEN_TEXT, 'utf8').digest('hex'))
    const signedText = GOLDEN_TEXT.replace(`"sig":"${GOLDEN.signature}"`, '"sig":null')
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(parsePublicKey(GOLDEN.publicKey))])
    const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' })
    expect(nodeVerify(null, Buffer.from(signedText), publicKey, Buffer.from(GOLDEN.signature, 'base64'))).toBe(true)
  })

  it('gives a fixed id for a root entry', async () => {
    const { id } = await signed(EntryBuilder.root().setSubtreeData('_settings', '{"name":"x"}').setMetadata('{"entropy":7}').setSig({ sig: null, key: 'admin' }))
    expect(id).toBe(GOLDEN.rootId)
  })

  it('ignores the order parents and subtrees are given in', async () => {
    const other = new EntryBuilder(ROOT)
      .setSubtreeData('notes', 'hello')
      .setSubtreeParents('tasks', [P1, P3, P1])
      .setSubtreeData('tasks', '{"x":1}')
      .addParent(P1)
      .addParent(P2)
      .setMetadata('{"settings_tips":[]}')
      .setSig({ sig: null, key: 'alice' })
    expect((await signed(other)).id).toBe(GOLDEN.id)
  })

  it('changes the id when any field changes', async () => {
    const variants: EntryBuilder[] = [
      sample().setRoot('sha256:' + 'b'.repeat(64)),
      sample().addParent(P3),
      sample().setMetadata(null),
      sample().setMetadata('{"settings_tips":[""]}'),
      sample().setSubtreeData('tasks', '{"x":2}'),
      sample().setSubtreeParents('tasks', [P1]),
      sample().setSubtreeData('other', ''),
      sample().setSubtreeParents('empty', []),
      sample().setSig({ sig: null, key: 'bob' }),
      sample().setSig({ sig: null, key: '*', pubkey: GOLDEN.publicKey }),
      sample().setSig({ sig: null, key: [{ key: 'team', tips: [P1] }, { key: 'alice', tips: null }] }),
    ]
    const ids = new Set([GOLDEN.id])
    for (const v of variants) ids.add((await signed(v)).id)
    expect(ids.size).toBe(variants.length + 1)
  })
})

describe('signatures', () => {
  it('verifies with the signer key and fails with another or after tampering', async () => {
    const { entry } = await signed(sample())
    const key = await ed25519.importSigningKey(SEED)
    expect(await verifyEntrySignature(entry, key.publicKey)).toBe(true)
    const other = await ed25519.importSigningKey(new Uint8Array(32).fill(9))
    expect(await verifyEntrySignature(entry, other.publicKey)).toBe(false)
    const tampered = structuredClone(entry)
    tampered.subtrees[1]!.data = '{"x":3}'
    expect(await verifyEntrySignature(tampered, key.publicKey)).toBe(false)
    const garbage = structuredClone(entry)
    garbage.sig.sig = 'not base64'
    expect(await verifyEntrySignature(garbage, key.publicKey)).toBe(false)
    expect(parsePublicKey(GOLDEN.publicKey)).toEqual(key.publicKey)
  })
})

describe('data-layer §1.6 rules and incoming checks', () => {
  it('refuses a _root entry with parents', () => {
    const bad: Entry = { tree: { root: '', parents: [P1], metadata: null }, subtrees: [{ name: '_root', parents: [] }], sig: { sig: null, key: '' } }
    expect(() => validateEntryRules(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
    expect(() => EntryBuilder.root().addParent(P1).build()).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
  })

  it('refuses a non-root entry without parents or without a database id', () => {
    expect(() => new EntryBuilder(ROOT).build()).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
    expect(() => new EntryBuilder('').setParents([P1]).build()).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
    expect(() => new EntryBuilder('nope').setParents([P1]).build()).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
  })

  it('refuses malformed parent ids and unsigned entries from outside', async () => {
    const { entry, id } = await signed(sample())
    expect(checkIncomingEntry(entry).id).toBe(id)
    const badParent = structuredClone(entry)
    badParent.tree.parents = ['sha256:XYZ']
    await expectCode(() => checkIncomingEntry(badParent), 'INVALID_ENTRY')
    const emptyStoreParent = structuredClone(entry)
    emptyStoreParent.subtrees[1]!.parents = ['']
    await expectCode(() => checkIncomingEntry(emptyStoreParent), 'INVALID_ENTRY')
    const unsigned = structuredClone(entry)
    unsigned.sig.sig = null
    await expectCode(() => checkIncomingEntry(unsigned), 'INVALID_ENTRY')
    await expectCode(() => checkIncomingEntry({ not: 'an entry' }), 'INVALID_ENTRY')
  })

  it('refuses an id that does not match the content', async () => {
    const { entry, id } = await signed(sample())
    await expectCode(() => checkIncomingEntry(entry, 'sha256:' + 'f'.repeat(64)), 'INVALID_ENTRY')
    expect(checkIncomingEntry(entry, id).id).toBe(id)
  })
})

// Computed once from SEED and frozen.
const GOLDEN = {
  publicKey: 'ed25519:ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=',
  signature: 'z9jh0tIkoh07sNKcXqB4RAGABhoKbDDd1hglqg2XkLT75OE1GBDpGJCGQi/ygLaaWyR0snJHsTQP1kckOEOEDg==',
  id: 'sha256:82b32a29981d5fd125fa3e2afddb07fcbb6cb6bf0071493a5f3884b6dca46916',
  rootId: 'sha256:d77ce853b803d993f64e87b052c51007dc63ea73f4e7d0274bf3dc818b1944ed',
}

const A = 'a'.repeat(64)
const ONE = '1'.repeat(64)
const TWO = '2'.repeat(64)
const THREE = '3'.repeat(64)
/** The exact canonical bytes of the signed sample (DECISIONS 1), written out by hand. */
const GOLDEN_TEXT =
  `{"tree":{"root":"sha256:${A}","parents":["sha256:${ONE}","sha256:${TWO}"],"metadata":"{\\"settings_tips\\":[]}"},` +
  `"subtrees":[{"name":"notes","parents":[],"data":"hello"},{"name":"tasks","parents":["sha256:${ONE}","sha256:${THREE}"],"data":"{\\"x\\":1}"}],` +
  `"sig":{"sig":"${GOLDEN.signature}","key":"alice"}}`
