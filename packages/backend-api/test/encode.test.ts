import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encodeEntry, encodeEntryText, entryId, signingBytes, type Entry } from '../src/index.js'

const ROOT_EXAMPLE =
  '{"tree":{"root":"","parents":[],"metadata":"{\\"entropy\\":7}"},"subtrees":[{"name":"_root","parents":[],"data":""}],"sig":{"sig":null,"key":""}}'

const rootExample = (): Entry => ({
  tree: { root: '', parents: [], metadata: '{"entropy":7}' },
  subtrees: [{ name: '_root', parents: [], data: '' }],
  sig: { sig: null, key: '' },
})

const A = 'sha256:' + 'a'.repeat(64)
const B = 'sha256:' + 'b'.repeat(64)

describe('encodeEntry', () => {
  it('produces the data-layer §1.1 byte layout exactly', () => {
    expect(encodeEntryText(rootExample())).toBe(ROOT_EXAMPLE)
    expect(new TextDecoder().decode(encodeEntry(rootExample()))).toBe(ROOT_EXAMPLE)
  })

  it('writes fields in wire order whatever the order of the input object', () => {
    const scrambled = {
      sig: { key: '', sig: null },
      subtrees: [{ data: '', parents: [], name: '_root' }],
      tree: { metadata: '{"entropy":7}', parents: [], root: '' },
    } as unknown as Entry
    expect(encodeEntryText(scrambled)).toBe(ROOT_EXAMPLE)
  })

  it('leaves out absent or null data and pubkey, always writes metadata and sig', () => {
    const e = {
      tree: { root: A, parents: [B], metadata: null },
      subtrees: [{ name: 'x', parents: [] }, { name: 'y', parents: [A], data: null }],
      sig: { sig: 'c2ln', key: 'k', pubkey: null },
    } as unknown as Entry
    expect(encodeEntryText(e)).toBe(
      `{"tree":{"root":"${A}","parents":["${B}"],"metadata":null},"subtrees":[{"name":"x","parents":[]},{"name":"y","parents":["${A}"]}],"sig":{"sig":"c2ln","key":"k"}}`,
    )
  })

  it('writes delegation steps as {"key","tips"} and the pubkey last', () => {
    const e: Entry = {
      tree: { root: A, parents: [A], metadata: null },
      subtrees: [],
      sig: { sig: null, key: [{ tips: [B], key: 'p' } as never, { key: '*', tips: null }], pubkey: 'ed25519:AAAA' },
    }
    expect(encodeEntryText(e)).toContain(`"sig":{"sig":null,"key":[{"key":"p","tips":["${B}"]},{"key":"*","tips":null}],"pubkey":"ed25519:AAAA"}`)
  })

  it('escapes strings like serde_json: quotes, backslash, control characters; not / or non-ASCII', () => {
    const e = rootExample()
    e.subtrees[0]!.data = 'a"b\\c\n\t\u0001/é✓'
    expect(encodeEntryText(e)).toContain('"data":"a\\"b\\\\c\\n\\t\\u0001/é✓"')
  })
})

describe('signingBytes and entryId', () => {
  it('signingBytes is the canonical form with sig.sig null, key and pubkey kept', () => {
    const e = rootExample()
    e.sig = { sig: 'ZmFrZQ==', key: '*', pubkey: 'ed25519:AAAA' }
    const text = new TextDecoder().decode(signingBytes(e))
    expect(text).toContain('"sig":{"sig":null,"key":"*","pubkey":"ed25519:AAAA"}')
    expect(text).not.toContain('ZmFrZQ==')
    expect(encodeEntryText(e)).toContain('"sig":"ZmFrZQ=="')
  })

  it('entryId is sha256: + hex of SHA-256 over the signed canonical bytes', () => {
    const e = rootExample()
    expect(entryId(e)).toBe('sha256:' + createHash('sha256').update(ROOT_EXAMPLE).digest('hex'))
    const signed = { ...e, sig: { ...e.sig, sig: 'c2ln' } }
    expect(entryId(signed)).not.toBe(entryId(e))
  })

  it('the id changes with a subtree parent and not with object key order', () => {
    const e1: Entry = { tree: { root: A, parents: [A], metadata: null }, subtrees: [{ name: 's', parents: [A] }], sig: { sig: null, key: '' } }
    const e2: Entry = { ...e1, subtrees: [{ name: 's', parents: [B] }] }
    expect(entryId(e1)).not.toBe(entryId(e2))
    const reordered = { sig: e1.sig, subtrees: e1.subtrees, tree: e1.tree } as Entry
    expect(entryId(reordered)).toBe(entryId(e1))
  })
})
