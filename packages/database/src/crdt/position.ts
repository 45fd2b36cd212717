/**
 * @module
 * List positions: a dense total order with unique, random tie-breakers.
 *
 * A position is a non-empty sequence of steps `(n, id)`, where `n` is an
 * exact dyadic rational (m / 2^k, BigInt numerator) and `id` a random
 * 16-hex-digit string. Positions compare step by step: first `n`, then
 * `id` (code-unit order); a proper prefix sorts before its extensions.
 *
 * Plain fractional positions (the reference §4.3) cannot place an item
 * between two neighbours whose numbers tie (two replicas that pushed
 * concurrently pick the same number, with different ids). Here such an
 * insert extends the left neighbour by one step, which sorts after it and
 * before the right one. In the common case a position is one step, and an
 * insert between neighbours with different numbers takes the exact
 * midpoint, so repeated inserts at one spot grow a number by one bit each.
 *
 * Bounded cost (DECISIONS 20): a position has at most
 * {@link MAX_POSITION_STEPS} steps, a step's exponent `k` is at most
 * {@link MAX_POSITION_EXPONENT} and its numerator at most
 * {@link MAX_POSITION_HEX_DIGITS} hex digits. Decoding refuses anything
 * larger before a comparison runs, so comparing two steps shifts by at most
 * MAX_POSITION_EXPONENT bits. Local edits stay inside the bounds: where the
 * midpoint would need a larger exponent, the new position extends the left
 * neighbour by one step instead (the way ties are handled).
 */
import { InvalidValueError } from './errors.js'

/** An exact dyadic rational `m / 2^k`, normalized: `k === 0` or `m` odd. */
export interface Dyadic {
  readonly m: bigint
  readonly k: number
}

/** One step of a position. */
export interface Step {
  readonly n: Dyadic
  readonly id: string
}

/** A list position; never mutated once made, so it may be shared. */
export type Position = readonly Step[]

/** Most steps a position may have. */
export const MAX_POSITION_STEPS = 32
/** Largest exponent `k` of a step's number `m / 2^k`. */
export const MAX_POSITION_EXPONENT = 1024
/** Most hex digits of a step's numerator (1,280 bits: the exponent's 1,024 plus a 256-bit integer part). */
export const MAX_POSITION_HEX_DIGITS = 320

const ID_BYTES = 8
let pool = new Uint8Array(0)
let poolAt = 0

let idSource: (() => string) | null = null

/**
 * @internal Tests only: makes ids come from `source` (which must return
 * distinct 16-hex-digit strings), or from randomness again with `null`.
 */
export function setIdSource(source: (() => string) | null): void {
  idSource = source
}

/** A fresh random id: 16 lowercase hex digits (64 bits). */
export function freshId(): string {
  if (idSource !== null) return idSource()
  if (poolAt + ID_BYTES > pool.length) {
    pool = new Uint8Array(ID_BYTES * 256)
    globalThis.crypto.getRandomValues(pool)
    poolAt = 0
  }
  let s = ''
  for (let i = 0; i < ID_BYTES; i++) s += (pool[poolAt + i] as number).toString(16).padStart(2, '0')
  poolAt += ID_BYTES
  return s
}

function dyadic(m: bigint, k: number): Dyadic {
  while (k > 0 && (m & 1n) === 0n) {
    m >>= 1n
    k--
  }
  return { m, k }
}

const integer = (m: bigint): Dyadic => ({ m, k: 0 })

/**
 * Compares two dyadic rationals exactly. Both are within the bounds (decode
 * and `between` see to it), so the shift is at most MAX_POSITION_EXPONENT bits.
 */
export function compareDyadic(a: Dyadic, b: Dyadic): number {
  if (a.k === b.k) return a.m < b.m ? -1 : a.m > b.m ? 1 : 0
  let am = a.m
  let bm = b.m
  if (a.k < b.k) am <<= BigInt(b.k - a.k)
  else if (b.k < a.k) bm <<= BigInt(a.k - b.k)
  return am < bm ? -1 : am > bm ? 1 : 0
}

// BigInt `>>` rounds toward -infinity, so this is floor for negatives too.
const floor = (d: Dyadic): bigint => (d.k === 0 ? d.m : d.m >> BigInt(d.k))
const ceil = (d: Dyadic): bigint => (d.k === 0 ? d.m : -(-d.m >> BigInt(d.k)))

function midpoint(a: Dyadic, b: Dyadic): Dyadic {
  const k = Math.max(a.k, b.k)
  const sum = (a.m << BigInt(k - a.k)) + (b.m << BigInt(k - b.k))
  return dyadic(sum, k + 1)
}

function compareStep(a: Step, b: Step): number {
  const c = compareDyadic(a.n, b.n)
  if (c !== 0) return c
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** Total order of positions: step by step, a proper prefix first. */
export function comparePositions(p: Position, q: Position): number {
  const len = Math.min(p.length, q.length)
  for (let i = 0; i < len; i++) {
    const c = compareStep(p[i] as Step, q[i] as Step)
    if (c !== 0) return c
  }
  return p.length - q.length
}

const after = (s: Step): Step => ({ n: integer(floor(s.n) + 1n), id: freshId() })
const origin = (): Step => ({ n: integer(0n), id: freshId() })
const before = (s: Step): Step => ({ n: integer(ceil(s.n) - 1n), id: freshId() })

/**
 * A new position strictly between `left` and `right` (`null` = open end),
 * ending in a fresh id so that no other replica makes the same one.
 * Requires `left < right` when both are given.
 */
export function between(left: Position | null, right: Position | null): Position {
  if (left === null && right === null) return [origin()]
  if (left === null) return [before((right as Position)[0] as Step)]
  if (right === null) return [after(left[0] as Step)]
  let i = 0
  while (i < left.length && i < right.length && compareStep(left[i] as Step, right[i] as Step) === 0) i++
  if (i === left.length) {
    // left is a proper prefix of right: extend left with a step below right's next.
    return [...left, before(right[i] as Step)]
  }
  const l = left[i] as Step
  const r = right[i] as Step
  if (compareDyadic(l.n, r.n) < 0) {
    const mid = midpoint(l.n, r.n)
    if (fits(mid)) return [...left.slice(0, i), { n: mid, id: freshId() }]
  }
  // Same number (l.id < r.id), or no room for a midpoint: go one step below
  // l, after anything l has there. That sorts after left (a longer position
  // with left's steps, or a larger step where left goes on) and before right
  // (it keeps l, which sorts before r).
  const next = left[i + 1]
  return [...left.slice(0, i + 1), next === undefined ? origin() : after(next)]
}

/** Whether a number is within the bounds decode accepts. */
const fits = (d: Dyadic): boolean =>
  d.k <= MAX_POSITION_EXPONENT && (d.m < 0n ? -d.m : d.m).toString(16).length <= MAX_POSITION_HEX_DIGITS

/**
 * {@link between}, checked against the bounds decode accepts (a position
 * past them would make an entry no replica can read).
 * @throws InvalidValueError (INVALID_VALUE) when there is no room left:
 * only next to positions at the bounds that edits here do not make (an
 * integer part of 256 bits, or MAX_POSITION_STEPS steps, made by hand).
 */
export function boundedBetween(left: Position | null, right: Position | null): Position {
  const pos = between(left, right)
  if (pos.length > MAX_POSITION_STEPS || !pos.every((s) => fits(s.n)))
    throw new InvalidValueError('no room for a new list position here: its neighbours are at the position limits')
  return pos
}

/** The one-step position `i` with a fresh id: item `i` of a list made from an array. */
export const indexPosition = (i: number): Position => [{ n: integer(BigInt(i)), id: freshId() }]

/**
 * Canonical text of a dyadic: the numerator in lowercase hex, then, unless
 * it is an integer, `p-k` for the factor 2^-k (C's hex-float notation):
 * `"0"`, `"-1"`, `"1p-1"` (1/2), `"ffp-9"`. Hex keeps reading and writing
 * huge numbers linear-time.
 */
export function dyadicToString(d: Dyadic): string {
  const text = d.m < 0n ? `-${(-d.m).toString(16)}` : d.m.toString(16)
  return d.k === 0 ? text : `${text}p-${d.k}`
}

/** Longest accepted number text: sign, numerator, `p-`, exponent. */
const MAX_NUMBER_TEXT = 1 + MAX_POSITION_HEX_DIGITS + 2 + String(MAX_POSITION_EXPONENT).length
const DYADIC_RE = /^(-?)(0|[1-9a-f][0-9a-f]*)(?:p-([1-9][0-9]{0,8}))?$/
const ID_RE = /^[0-9a-f]{16}$/

/** Parses canonical dyadic text; `undefined` when it is not canonical or past the bounds. */
export function parseDyadic(text: string): Dyadic | undefined {
  if (text.length > MAX_NUMBER_TEXT) return undefined
  const match = DYADIC_RE.exec(text)
  if (match === null) return undefined
  const [, sign, digits, exponent] = match as unknown as [string, string, string, string | undefined]
  if (sign === '-' && digits === '0') return undefined
  if (digits.length > MAX_POSITION_HEX_DIGITS) return undefined
  if (exponent !== undefined && Number(exponent) > MAX_POSITION_EXPONENT) return undefined
  const magnitude = BigInt(`0x${digits}`)
  const m = sign === '-' ? -magnitude : magnitude
  if (exponent === undefined) return integer(m)
  if ((m & 1n) === 0n) return undefined
  return { m, k: Number(exponent) }
}

/** Whether `id` has the form `freshId` makes. */
export const isValidId = (id: string): boolean => ID_RE.test(id)
