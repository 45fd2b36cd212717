import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import {
  checkPut,
  prepareSeal,
  encodeEntry,
  encodeEntryText,
  entryId,
  sealEntry,
  signAndSealEntry,
  signingBytes,
  type Entry,
} from '../src/index.js'

const A = 'sha256:' + 'a'.repeat(64)
const B = 'sha256:' + 'b'.repeat(64)
const SIG = new Uint8Array(64).map((_, i) => i * 3)
const SIG_B64 = Buffer.from(SIG).toString('base64')

const entry = (): Entry => ({
  tree: { root: A, parents: [A, B], metadata: '{"settings_tips":["' + B + '"]}' },
  subtrees: [
    { name: 's', parents: [B], data: '{"doc":{"k\\"1":"é✓\\u0001"}}' },
    { name: 't', parents: [] },
  ],
  sig: { sig: null, key: [{ key: 'p', tips: [A] }, { key: '*', tips: null }], pubkey: 'ed25519:AAAA' },
})

/** The encoding as first written (one JSON.stringify over objects rebuilt in wire order): the reference. */
function reference(e: Entry, sig: unknown): string {
  const key = typeof e.sig.key === 'string' ? e.sig.key : e.sig.key.map((s) => ({ key: s.key, tips: s.tips === null ? null : [...s.tips] }))
  const sigInfo: Record<string, unknown> = { sig, key }
  if (e.sig.pubkey !== undefined && e.sig.pubkey !== null) sigInfo.pubkey = e.sig.pubkey
  return JSON.stringify({
    tree: { root: e.tree.root, parents: [...e.tree.parents], metadata: e.tree.metadata ?? null },
    subtrees: e.subtrees.map((n) => {
      const out: Record<string, unknown> = { name: n.name, parents: [...n.parents] }
      if (n.data !== undefined && n.data !== null) out.data = n.data
      return out
    }),
    sig: sigInfo,
  })
}

const code = async (fn: () => unknown): Promise<string | undefined> => {
  try {
    await fn()
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name
  }
  return undefined
}

describe('the canonical text, field by field', () => {
  const strings = ['', 'plain', 'a"b\\c', '\n\t\r\b\f\u0000\u001f\u007f', '/é✓😀', '\ud800 lone', 'x\udc00', '\u2028\u2029']
  it('equals one JSON.stringify over the wire objects, for awkward strings in every field', () => {
    for (const s of strings) {
      const e: Entry = {
        tree: { root: A, parents: [B], metadata: s },
        subtrees: [{ name: s, parents: [A], data: s }],
        sig: { sig: s, key: [{ key: s, tips: [A, B] }], pubkey: s },
      }
      expect(encodeEntryText(e)).toBe(reference(e, s))
      expect(new TextDecoder().decode(signingBytes(e))).toBe(reference(e, null))
      expect(entryId(e)).toBe('sha256:' + createHash('sha256').update(encodeEntry(e)).digest('hex'))
    }
  })

  it('strings repeated across entries (the encoder remembers recent ones) encode as the reference, in any mix', () => {
    const long = (i: number) => 'sha256:' + String(i % 13).repeat(64).slice(0, 64)
    const metas = ['{"settings_tips":["' + A + '"]}', '{"settings_tips":[]}', 'x"'.repeat(40)]
    for (let i = 0; i < 200; i++) {
      const parents = [long(i), long(i + 1)].sort()
      const e: Entry = {
        tree: { root: long(i * 7), parents: [...new Set(parents)], metadata: metas[i % 3]! },
        subtrees: [{ name: 's', parents: [long(i)], data: metas[(i + 1) % 3]! }],
        sig: { sig: null, key: '*', pubkey: 'ed25519:' + 'Q'.repeat(43) + '=' },
      }
      expect(encodeEntryText(e)).toBe(reference(e, null))
    }
  })

  it('inputs outside the wire types encode exactly as before (sets, nulls, absent fields)', () => {
    const odd = [
      { ...entry(), tree: { root: A, parents: new Set([A]), metadata: undefined } },
      { ...entry(), subtrees: [{ name: 's', parents: [A], data: null }] },
      { ...entry(), sig: { sig: null, key: 'k', pubkey: null } },
      { ...entry(), sig: { sig: 'c2ln', key: 'k', extra: 1 } },
    ] as unknown as Entry[]
    for (const e of odd) {
      expect(encodeEntryText(e)).toBe(reference(e, e.sig.sig ?? null))
      expect(new TextDecoder().decode(signingBytes(e))).toBe(reference(e, null))
    }
  })
})

describe('signAndSealEntry', () => {
  it('signs the signing bytes, sets sig.sig, freezes the entry and returns its id', async () => {
    const e = entry()
    const expectedMessage = signingBytes(e)
    let message: Uint8Array | undefined
    const id = await signAndSealEntry(e, async (text) => {
      message = new TextEncoder().encode(text)
      return SIG
    })
    expect(message).toEqual(expectedMessage)
    expect(e.sig.sig).toBe(SIG_B64)
    expect(id).toBe(entryId(e))
    expect(encodeEntryText(e)).toBe(reference(e, SIG_B64))
    expect(Object.isFrozen(e) && Object.isFrozen(e.sig) && Object.isFrozen(e.tree.parents) && Object.isFrozen(e.subtrees[0])).toBe(true)
    expect(Object.isFrozen(e.sig.key) && Object.isFrozen((e.sig.key as { tips: string[] }[])[0]!.tips)).toBe(true)
    expect(checkPut(id, e, 'verified')).toBe(e)
    expect(await code(() => checkPut(A, e, 'verified'))).toBe('INVALID_ENTRY')
  })

  it('prepareSeal: text is the signing form, finish gives the id once; nothing is sealed before finish', async () => {
    const e = entry()
    const expected = new TextDecoder().decode(signingBytes(e))
    const sealing = prepareSeal(e)
    expect(sealing.text).toBe(expected)
    expect(Object.isFrozen(e.tree) && !Object.isFrozen(e.sig)).toBe(true)
    const id = sealing.finish(SIG)
    expect(id).toBe(entryId(e))
    expect(checkPut(id, e, 'verified')).toBe(e)
    expect(await code(() => sealing.finish(SIG))).toBe('INVALID_ENTRY')
    const unfinished = entry()
    const other = prepareSeal(unfinished)
    expect(other.text).toBe(expected)
    expect(await code(() => checkPut(id, unfinished, 'verified'))).toBe('INVALID_ENTRY') // unsigned: not this id, not sealed
  })

  it('gives the id sealEntry gives after signing separately', async () => {
    const a = entry()
    const b = entry()
    const id = await signAndSealEntry(a, () => SIG)
    b.sig.sig = SIG_B64
    expect(sealEntry(b)).toBe(id)
  })

  it('refuses a malformed entry, a signed one, or one whose sig moved while signing; a failed sign leaves it unsigned', async () => {
    expect(await code(() => signAndSealEntry({ ...entry(), tree: { root: A, parents: [], metadata: null } }, () => SIG))).toBe('INVALID_ENTRY')
    expect(await code(() => signAndSealEntry({ ...entry(), tree: { root: A, parents: [B, A], metadata: null } }, () => SIG))).toBe('INVALID_ENTRY')
    expect(await code(() => signAndSealEntry({ ...entry(), sig: { sig: 'c2ln', key: 'k' } }, () => SIG))).toBe('INVALID_ENTRY')
    const moved = entry()
    expect(
      await code(() =>
        signAndSealEntry(moved, async () => {
          moved.sig.pubkey = 'ed25519:BBBB'
          return SIG
        }),
      ),
    ).toBe('INVALID_ENTRY')
    const failing = entry()
    expect(await code(() => signAndSealEntry(failing, () => Promise.reject(new TypeError('no key'))))).toBe('TypeError')
    expect(failing.sig.sig).toBeNull()
  })
})
