import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes, nobleEd25519, randomBytes, utf8Encode, webCryptoEd25519, type Ed25519, type VerifyItem } from '@engram/crypto'
import { nodeEd25519, sodiumEd25519 } from '@engram/crypto/node'
import vectors from './vectors/rfc8032-ed25519.json' with { type: 'json' }

if (sodiumEd25519 === undefined) throw new Error('sodium-native does not load here: these tests run every implementation')
const implementations: Ed25519[] = [sodiumEd25519, nodeEd25519, webCryptoEd25519(), nobleEd25519]
const byName = (ed: Ed25519) => ed.name

describe.each(implementations.map((ed) => [ed.name, ed] as const))('%s: RFC 8032 §7.1 vectors', (_, ed) => {
  for (const v of vectors.vectors) {
    it(v.name, async () => {
      const seed = hexToBytes(v.secretKey)
      const message = hexToBytes(v.message)
      expect(bytesToHex(await ed.getPublicKey(seed))).toBe(v.publicKey)
      expect(bytesToHex(await ed.sign(message, seed))).toBe(v.signature)
      const key = await ed.importSigningKey(seed)
      expect(bytesToHex(key.publicKey)).toBe(v.publicKey)
      expect(bytesToHex(await key.sign(message))).toBe(v.signature)
      expect(await ed.verify(hexToBytes(v.signature), message, hexToBytes(v.publicKey))).toBe(true)
    })
  }

  it('rejects each vector signature with one bit flipped (signature, message or key)', async () => {
    for (const v of vectors.vectors) {
      const sig = hexToBytes(v.signature)
      const message = hexToBytes(v.message)
      const pk = hexToBytes(v.publicKey)
      for (const bit of [0, 7, 255, 256, 511]) {
        const bad = sig.slice()
        bad[bit >> 3]! ^= 1 << (bit & 7)
        expect(await ed.verify(bad, message, pk)).toBe(false)
      }
      const badKey = pk.slice()
      badKey[3]! ^= 0x10
      expect(await ed.verify(sig, message, badKey)).toBe(false)
      const badMessage = Uint8Array.of(...message, 0)
      expect(await ed.verify(sig, badMessage, pk)).toBe(false)
    }
  })
})

describe('SigningKey.signText', () => {
  it('where an implementation has it, signs the UTF-8 bytes of the text like sign(utf8Encode(text))', async () => {
    const seed = randomBytes(32)
    let checked = 0
    for (const ed of implementations) {
      const key = await ed.importSigningKey(seed)
      if (key.signText === undefined) continue
      for (const text of ['', 'abc', '{"sig":null,"key":"é✓😀"}', 'x'.repeat(10_000)])
        expect(bytesToHex(await key.signText(text))).toBe(bytesToHex(await key.sign(utf8Encode(text))))
      await expect(key.signText(utf8Encode('abc') as unknown as string)).rejects.toThrow(TypeError)
      checked++
    }
    expect(checked).toBeGreaterThan(1) // sodium and node:crypto have it
  })
})

describe('cross-implementation agreement', () => {
  it('every implementation signs random messages identically and accepts the others’ signatures', async () => {
    for (let round = 0; round < 20; round++) {
      const seed = randomBytes(32)
      const message = randomBytes(round * 37)
      const publicKeys = await Promise.all(implementations.map((ed) => ed.getPublicKey(seed)))
      const signatures = await Promise.all(implementations.map((ed) => ed.sign(message, seed)))
      for (const pk of publicKeys) expect(bytesToHex(pk)).toBe(bytesToHex(publicKeys[0]!))
      for (const sig of signatures) expect(bytesToHex(sig)).toBe(bytesToHex(signatures[0]!))
      for (const verifier of implementations)
        for (const sig of signatures) expect(await verifier.verify(sig, message, publicKeys[0]!)).toBe(true)
    }
  })

  // Edge cases where the underlying libraries disagree unless we normalise:
  // every peer must reach the same verdict on the same entry.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n
  const P = 2n ** 255n - 19n
  const le = (b: Uint8Array) => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n)
  const toLe = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n))

  it('all implementations agree on malleable and degenerate signatures', async () => {
    const v = vectors.vectors[0]!
    const sig = hexToBytes(v.signature)
    const pk = hexToBytes(v.publicKey)
    const empty = new Uint8Array(0)
    const sPlusL = sig.slice()
    sPlusL.set(toLe(le(sig.subarray(32)) + L), 32)
    const identity = toLe(1n)
    const identitySig = new Uint8Array(64)
    identitySig.set(identity) // R = identity, S = 0: "valid" for a small-order key under the cofactorless equation
    const nonCanonicalIdentity = toLe(1n + P)
    const nonCanonicalSig = new Uint8Array(64)
    nonCanonicalSig.set(nonCanonicalIdentity)
    const nonCanonicalR = sig.slice()
    nonCanonicalR.set(toLe(P + 3n), 0) // y = p + 3 ≥ p
    const cases: [string, Uint8Array, Uint8Array, Uint8Array, boolean][] = [
      ['valid', sig, empty, pk, true],
      ['S + L (non-canonical scalar)', sPlusL, empty, pk, false],
      ['small-order key (identity), R = identity, S = 0', identitySig, utf8Encode('any'), identity, false],
      ['non-canonical encoding of the identity key', nonCanonicalSig, utf8Encode('any'), nonCanonicalIdentity, false],
      ['non-canonical R', nonCanonicalR, empty, pk, false],
      ['all-zero key', sig, empty, new Uint8Array(32), false],
      ['all-0xff key', sig, empty, new Uint8Array(32).fill(255), false],
      ['all-zero signature', new Uint8Array(64), empty, pk, false],
    ]
    for (const [name, s, m, k, expected] of cases) {
      const verdicts = await Promise.all(implementations.map((ed) => ed.verify(s, m, k)))
      expect({ name, verdicts }).toEqual({ name, verdicts: implementations.map(() => expected) })
    }
  })
})

let manyKeys: Promise<VerifyItem[]> | undefined
/** 1100 items, each signed by its own key (made once, with the fastest implementation). */
const manyKeyItems = () =>
  (manyKeys ??= Promise.all(
    Array.from({ length: 1100 }, async () => {
      const s = randomBytes(32)
      const message = randomBytes(8)
      return { signature: await nodeEd25519.sign(message, s), message, publicKey: await nodeEd25519.getPublicKey(s) }
    }),
  ))

describe.each(implementations.map((ed) => [ed.name, ed] as const))('%s: bad data and bad arguments', (_, ed) => {
  const seed = hexToBytes(vectors.vectors[1]!.secretKey)
  const message = utf8Encode('hello')

  it('verify returns false, never throws, for wrong lengths and garbage', async () => {
    const pk = await ed.getPublicKey(seed)
    const sig = await ed.sign(message, seed)
    for (const badSig of [new Uint8Array(0), sig.subarray(0, 63), Uint8Array.of(...sig, 0), randomBytes(64)])
      expect(await ed.verify(badSig, message, pk)).toBe(false)
    for (const badKey of [new Uint8Array(0), pk.subarray(0, 31), Uint8Array.of(...pk, 0), randomBytes(32)])
      expect(await ed.verify(sig, message, badKey)).toBe(false)
    for (let i = 0; i < 20; i++) expect(await ed.verify(randomBytes(64), randomBytes(i), randomBytes(32))).toBe(false)
  })

  it('verifyBatch returns one result per item, in order', async () => {
    const key = await ed.importSigningKey(seed)
    const items = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const msg = utf8Encode(`entry ${i}`)
        const signature = await key.sign(msg)
        // every third item is corrupt in a different way
        if (i % 3 === 1) return { signature, message: utf8Encode(`entry ${i + 1}`), publicKey: key.publicKey }
        if (i % 3 === 2) return { signature: signature.subarray(1), message: msg, publicKey: key.publicKey }
        return { signature, message: msg, publicKey: key.publicKey }
      }),
    )
    const results = await ed.verifyBatch(items)
    expect(results).toEqual(items.map((_, i) => i % 3 === 0))
    // small batches may take a different path (node verifies them inline)
    expect(await ed.verifyBatch(items.slice(0, 3))).toEqual([true, false, false])
    expect(await ed.verifyBatch(items.slice(0, 10))).toEqual(items.slice(0, 10).map((_, i) => i % 3 === 0))
    expect(await ed.verifyBatch([])).toEqual([])
  })

  it('verifies correctly across more distinct keys than its key cache holds', async () => {
    const items = await manyKeyItems()
    expect((await ed.verifyBatch(items)).every(Boolean)).toBe(true)
    // the earliest keys were evicted; they still verify, and still reject forgeries
    expect(await ed.verify(items[0]!.signature, items[0]!.message, items[0]!.publicKey)).toBe(true)
    expect(await ed.verify(items[0]!.signature, items[1]!.message, items[0]!.publicKey)).toBe(false)
  }, 30_000) // 1100 pure-JS verifications on a loaded machine

  it('rejects wrong argument types with TypeError and wrong seed lengths with RangeError', async () => {
    const notBytes: unknown[] = [undefined, null, 'abc', 42, [1, 2, 3], {}, new ArrayBuffer(32), new Uint16Array(16)]
    const pk = await ed.getPublicKey(seed)
    const sig = await ed.sign(message, seed)
    for (const bad of notBytes) {
      const x = bad as Uint8Array
      await expect(ed.getPublicKey(x)).rejects.toThrow(TypeError)
      await expect(ed.importSigningKey(x)).rejects.toThrow(TypeError)
      await expect(ed.sign(x, seed)).rejects.toThrow(TypeError)
      await expect(ed.sign(message, x)).rejects.toThrow(TypeError)
      await expect(ed.verify(x, message, pk)).rejects.toThrow(TypeError)
      await expect(ed.verify(sig, x, pk)).rejects.toThrow(TypeError)
      await expect(ed.verify(sig, message, x)).rejects.toThrow(TypeError)
      await expect(ed.verifyBatch(x as never)).rejects.toThrow(TypeError)
      await expect(ed.verifyBatch([{ signature: sig, message: x, publicKey: pk }])).rejects.toThrow(TypeError)
      const key = await ed.importSigningKey(seed)
      await expect(key.sign(x)).rejects.toThrow(TypeError)
    }
    await expect(ed.verifyBatch([null as never])).rejects.toThrow(TypeError)
    for (const len of [0, 31, 33, 64]) {
      await expect(ed.getPublicKey(new Uint8Array(len))).rejects.toThrow(RangeError)
      await expect(ed.importSigningKey(new Uint8Array(len))).rejects.toThrow(RangeError)
      await expect(ed.sign(message, new Uint8Array(len))).rejects.toThrow(RangeError)
    }
  })

  it('a wiped SigningKey refuses to sign (KEY_WIPED), whatever it is asked', async () => {
    const key = await ed.importSigningKey(seed)
    expect(bytesToHex(await key.sign(message))).toBe(bytesToHex(await nobleEd25519.sign(message, seed)))
    expect(key.wipe).toBeTypeOf('function')
    key.wipe!()
    key.wipe!() // idempotent
    await expect(key.sign(message)).rejects.toMatchObject({ code: 'KEY_WIPED' })
    if (key.signText) await expect(key.signText('hello')).rejects.toMatchObject({ code: 'KEY_WIPED' })
    // a new import of the same seed is unaffected
    const again = await ed.importSigningKey(seed)
    expect(bytesToHex(await again.sign(message))).toBe(bytesToHex(await nobleEd25519.sign(message, seed)))
  })

  it('importSigningKey keeps working after the caller wipes its seed', async () => {
    const copy = seed.slice()
    const key = await ed.importSigningKey(copy)
    copy.fill(0)
    expect(bytesToHex(await key.sign(message))).toBe(bytesToHex(await nobleEd25519.sign(message, seed)))
  })
})

describe('implementation names', () => {
  it('each reports which it is', () => {
    expect(implementations.map(byName)).toEqual(['sodium', 'node', 'webcrypto', 'noble'])
  })
})
