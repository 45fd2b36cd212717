/**
 * Test helpers that build Ed25519 signatures a hostile key holder could
 * make: torsion components in R or in the public key A. The expected
 * verdict of each is computed here from the construction (DECISIONS 19:
 * the cofactorless equation [S]B = R + [k]A, small-order A and R refused),
 * independently of every implementation under test.
 */
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'

export const L = 2n ** 252n + 27742317777372353535851937790883648493n
export const P = 2n ** 255n - 19n
const { Point } = ed

export const le = (b: Uint8Array): bigint => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n)
export const toLe = (n: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n))
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) out.set(p, (o += p.length) - p.length)
  return out
}

/** The 8 points of the torsion subgroup, T[0] the identity; T[1] generates it (order 8). */
export const TORSION: InstanceType<typeof Point>[] = (() => {
  const t8 = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', false)
  const out = [Point.ZERO]
  for (let i = 1; i < 8; i++) out.push(out[i - 1]!.add(t8))
  return out
})()

/** k = SHA-512(R ‖ A ‖ M) mod L (RFC 8032 §5.1.7). */
export const challenge = (r: Uint8Array, a: Uint8Array, m: Uint8Array): bigint => le(sha512(concat(r, a, m))) % L

/** A deterministic byte stream for reproducible cases (SHA-512 of a label and a counter). */
export function stream(label: string): (n: number) => Uint8Array {
  let counter = 0
  return (n) => {
    const out = new Uint8Array(n)
    for (let o = 0; o < n; o += 64) out.set(sha512(new TextEncoder().encode(`${label}/${counter++}`)).subarray(0, n - o), o)
    return out
  }
}

export interface Forged {
  name: string
  signature: Uint8Array
  message: Uint8Array
  publicKey: Uint8Array
  /** The verdict DECISIONS 19 gives (cofactorless, canonical, no small-order A or R). */
  expected: boolean
  /** What a cofactored verifier (noble's `verify`) would say. */
  cofactored: boolean
}

const scalar = (bytes: Uint8Array) => (le(bytes) % (L - 1n)) + 1n

/**
 * A key holder's signature with a torsion point added to R: R = rB + T,
 * S = r + k·a for the honest key A = aB. Valid under the cofactored
 * equation, invalid under the cofactorless one whenever T is not the identity.
 */
export function torsionR(seed: Uint8Array, message: Uint8Array, t: number): Forged {
  const { scalar: a, pointBytes: publicKey } = ed.utils.getExtendedPublicKey(seed)
  const r = scalar(sha512(concat(seed, message)))
  const R = Point.BASE.multiply(r).add(TORSION[t]!).toBytes()
  const k = challenge(R, publicKey, message)
  const S = (r + k * a) % L
  return {
    name: `R = rB + T${t}`,
    signature: concat(R, toLe(S)),
    message,
    publicKey,
    expected: t === 0,
    cofactored: true,
  }
}

/**
 * Mixed-order key A = aB + T1 and R = rB + T2 (either torsion part may be
 * the identity), S = r + k·a. Cofactorless: [S]B - [k]A = rB - [k]T1, so
 * it verifies exactly when T2 = -[k]T1. Cofactored: always.
 */
export function mixed(random: (n: number) => Uint8Array, t1: number, t2: number, message: Uint8Array): Forged {
  const a = scalar(random(64))
  const r = scalar(random(64))
  const publicKey = Point.BASE.multiply(a).add(TORSION[t1]!).toBytes()
  const R = Point.BASE.multiply(r).add(TORSION[t2]!).toBytes()
  const k = challenge(R, publicKey, message)
  const S = (r + k * a) % L
  const expected = TORSION[t2]!.add(TORSION[t1]!.multiplyUnsafe(k % 8n)).is0()
  return {
    name: `A = aB + T${t1}, R = rB + T${t2}, k mod 8 = ${k % 8n}`,
    signature: concat(R, toLe(S)),
    message,
    publicKey,
    expected,
    cofactored: true,
  }
}
