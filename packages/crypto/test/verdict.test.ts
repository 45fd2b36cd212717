/**
 * DECISIONS 19: every Ed25519 implementation gives the same verdict on every
 * input — canonical A and R, S < L, neither A nor R of small order, the
 * cofactorless equation. A split verdict would let one signature fork
 * replicas for good.
 */
import { describe, expect, it } from 'vitest'
import * as ed from '@noble/ed25519'
import {
  bytesToHex,
  hexToBytes,
  isWebCryptoEd25519Supported,
  nobleEd25519,
  randomBytes,
  utf8Encode,
  webCryptoEd25519,
  type Ed25519,
  type VerifyItem,
} from '@engram/crypto'
import { nodeEd25519, sodiumEd25519 } from '@engram/crypto/node'
import { isCanonicalScalar, isSmallOrder, passesSignatureRules } from '../src/ed25519/rules.js'
import { L, mixed, P, stream, TORSION, toLe, torsionR, type Forged } from './forge.js'
import taming from './vectors/taming-eddsa.json' with { type: 'json' }

if (sodiumEd25519 === undefined) throw new Error('sodium-native does not load here: these tests run every implementation')
const implementations: Ed25519[] = [sodiumEd25519, nodeEd25519, webCryptoEd25519(), nobleEd25519]
const names = implementations.map((i) => i.name)

/** Each implementation's verdict, one at a time and in one batch, must be `expected` for every case. */
async function expectVerdicts(cases: readonly Forged[]): Promise<void> {
  const items: VerifyItem[] = cases.map(({ signature, message, publicKey }) => ({ signature, message, publicKey }))
  for (const impl of implementations) {
    const single = await Promise.all(cases.map((c) => impl.verify(c.signature, c.message, c.publicKey)))
    const batch = await impl.verifyBatch(items)
    const report = (verdicts: boolean[]) => cases.filter((c, i) => verdicts[i] !== c.expected).map((c) => c.name)
    expect({ impl: impl.name, wrong: report(single) }).toEqual({ impl: impl.name, wrong: [] })
    expect({ impl: impl.name, batch: true, wrong: report(batch) }).toEqual({ impl: impl.name, batch: true, wrong: [] })
  }
}

describe('DECISIONS 19: one signature verdict', () => {
  it('runs all four implementations', () => {
    expect(names).toEqual(['sodium', 'node', 'webcrypto', 'noble'])
  })

  // The regression of issue 8 item 2: noble's cofactored verify accepted this, node:crypto did not.
  it('a Write key signing with R = rB + T (torsion added) is refused by every implementation', async () => {
    const seed = randomBytes(32)
    const cases = [0, 1, 2, 3, 4, 5, 6, 7].map((t) => torsionR(seed, utf8Encode(`entry ${t}`), t))
    expect(cases.map((c) => c.expected)).toEqual([true, false, false, false, false, false, false, false])
    // noble's own verify is cofactored: it would accept every one of them
    for (const c of cases) expect(ed.verify(c.signature, c.message, c.publicKey, { zip215: false })).toBe(true)
    await expectVerdicts(cases)
  })

  it('the "Taming the many EdDSAs" vectors (Chalkias et al. 2020): only case 3 verifies, on every implementation', async () => {
    expect(taming.cases.map((c) => c.case)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    const cases: Forged[] = taming.cases.map((c) => ({
      name: `case ${c.case}: ${c.about}`,
      signature: hexToBytes(c.signature),
      message: hexToBytes(c.message),
      publicKey: hexToBytes(c.publicKey),
      expected: c.expected,
      cofactored: false,
    }))
    expect(cases.filter((c) => c.expected).map((c) => c.name)).toEqual([cases[3]!.name])
    await expectVerdicts(cases)
  })

  it('random mixed-order A and R: the cofactorless verdict, computed from the construction, on every implementation', async () => {
    const random = stream('mixed-order')
    const cases: Forged[] = []
    for (let t1 = 0; t1 < 8; t1++)
      for (let t2 = 0; t2 < 8; t2++)
        for (let n = 0; n < 2; n++) cases.push(mixed(random, t1, t2, random(1 + ((t1 * 8 + t2 + n) % 40))))
    // Both verdicts occur, and many cases a cofactored verifier would accept are refused.
    expect(cases.some((c) => c.expected)).toBe(true)
    expect(cases.filter((c) => !c.expected).length).toBeGreaterThan(64)
    // Cases that verify by construction although A or R has a torsion part: search until a few are found.
    const lucky: Forged[] = []
    for (let i = 0; lucky.length < 6; i++) {
      const c = mixed(random, 1 + (i % 7), 1 + ((i * 3) % 7), random(16))
      if (c.expected) lucky.push(c)
    }
    await expectVerdicts([...cases, ...lucky])
  })

  it('edge encodings: small order under either sign bit, y ≥ p, S = L, S = L − 1', async () => {
    const key = await nobleEd25519.importSigningKey(hexToBytes('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'))
    const message = utf8Encode('edge')
    const good = await key.sign(message)
    const withR = (r: Uint8Array) => Uint8Array.of(...r, ...good.subarray(32))
    const withS = (s: bigint) => Uint8Array.of(...good.subarray(0, 32), ...toLe(s))
    const signedS = (good.subarray(32) as Uint8Array).reduceRight((n, x) => (n << 8n) | BigInt(x), 0n)
    const signBit = (p: Uint8Array) => Uint8Array.of(...p.subarray(0, 31), p[31]! ^ 0x80)
    const cases: Forged[] = [{ name: 'valid', signature: good, message, publicKey: key.publicKey, expected: true, cofactored: true }]
    for (let t = 0; t < 8; t++) {
      const p = TORSION[t]!.toBytes()
      for (const enc of [p, signBit(p)]) {
        const hex = bytesToHex(enc)
        cases.push({ name: `small-order key ${hex}`, signature: good, message, publicKey: enc, expected: false, cofactored: false })
        cases.push({ name: `small-order R ${hex}`, signature: withR(enc), message, publicKey: key.publicKey, expected: false, cofactored: false })
      }
    }
    for (const y of [P, P + 1n, P + 2n, 2n ** 255n - 1n]) {
      const enc = toLe(y)
      cases.push({ name: `key y = ${y - P} + p`, signature: good, message, publicKey: enc, expected: false, cofactored: false })
      cases.push({ name: `R y = ${y - P} + p`, signature: withR(enc), message, publicKey: key.publicKey, expected: false, cofactored: false })
    }
    cases.push({ name: 'S + L', signature: withS(signedS + L), message, publicKey: key.publicKey, expected: false, cofactored: false })
    cases.push({ name: 'S = L', signature: withS(L), message, publicKey: key.publicKey, expected: false, cofactored: false })
    cases.push({ name: 'S = L - 1 (passes the rules, fails the equation)', signature: withS(L - 1n), message, publicKey: key.publicKey, expected: false, cofactored: false })
    await expectVerdicts(cases)
  })
})

describe('the shared rules (rules.ts)', () => {
  it('recognise every small-order encoding and nothing else among random points', () => {
    for (const p of TORSION) {
      const enc = p.toBytes()
      expect(isSmallOrder(enc, 0)).toBe(true)
      enc[31]! ^= 0x80
      expect(isSmallOrder(enc, 0)).toBe(true)
    }
    for (let i = 0; i < 50; i++) expect(isSmallOrder(ed.Point.BASE.multiply(BigInt(i + 2)).toBytes(), 0)).toBe(false)
  })

  it('S < L exactly', () => {
    expect(isCanonicalScalar(toLe(L - 1n), 0)).toBe(true)
    expect(isCanonicalScalar(toLe(L), 0)).toBe(false)
    expect(isCanonicalScalar(toLe(L + 1n), 0)).toBe(false)
    expect(isCanonicalScalar(toLe(0n), 0)).toBe(true)
    expect(isCanonicalScalar(new Uint8Array(32).fill(255), 0)).toBe(false)
  })

  it('wrong lengths never pass', () => {
    const sig = new Uint8Array(64)
    sig[0] = 0x58 // not small order, canonical
    const key = ed.Point.BASE.toBytes()
    expect(passesSignatureRules(sig, key)).toBe(true)
    expect(passesSignatureRules(sig.subarray(1), key)).toBe(false)
    expect(passesSignatureRules(sig, key.subarray(1))).toBe(false)
  })
})

describe('WebCrypto self-test', () => {
  /**
   * A WebCrypto stand-in: the real `crypto.subtle` for everything, except
   * that `verify` runs a cofactored check (noble's own `verify`), as some
   * implementations do.
   */
  function cofactoredSubtle(): SubtleCrypto {
    const real = globalThis.crypto.subtle
    const raw = new WeakMap<CryptoKey, Uint8Array>()
    return new Proxy(real, {
      get(target, prop) {
        if (prop === 'importKey')
          return async (format: 'raw', data: Uint8Array, alg: AlgorithmIdentifier, extractable: boolean, usages: KeyUsage[]) => {
            const key = await target.importKey(format, data as Uint8Array<ArrayBuffer>, alg, extractable, usages)
            if (format === 'raw') raw.set(key, Uint8Array.from(data))
            return key
          }
        if (prop === 'verify')
          return async (_alg: unknown, key: CryptoKey, signature: Uint8Array, message: Uint8Array) =>
            ed.verify(signature, message, raw.get(key)!, { zip215: false })
        const value = Reflect.get(target, prop, target) as unknown
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
      },
    })
  }

  it('accepts this platform’s WebCrypto', async () => {
    expect(await isWebCryptoEd25519Supported()).toBe(true)
  })

  it('refuses a WebCrypto that verifies cofactored (it disagrees on the built-in mixed-order vectors)', async () => {
    const subtle = cofactoredSubtle()
    // the stand-in works: RFC 8032 signatures verify through it
    const impl = webCryptoEd25519(subtle)
    const seed = randomBytes(32)
    const message = utf8Encode('x')
    expect(await impl.verify(await impl.sign(message, seed), message, await impl.getPublicKey(seed))).toBe(true)
    // but it splits from the rule on R = rB + T, so the self-test refuses it
    const f = torsionR(seed, message, 3)
    expect(await impl.verify(f.signature, f.message, f.publicKey)).toBe(true)
    expect(await isWebCryptoEd25519Supported(subtle)).toBe(false)
  })
})
