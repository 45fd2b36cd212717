/**
 * The limits benchmark (DECISIONS 20): the cost of folding the worst entry
 * the limits allow, against an entry of the same size holding plain data.
 *
 * - Worst case: one entry at the data limit (ENTRY_LIMITS.maxDataLength
 *   characters) holding a List whose items all have positions at the
 *   position limits (MAX_POSITION_STEPS steps, numerators of
 *   MAX_POSITION_HEX_DIGITS digits, exponents up to MAX_POSITION_EXPONENT),
 *   sharing every step but the last, and interleaving with the items of an
 *   earlier such entry already in the state — so every comparison walks all
 *   steps and shifts by the largest exponent at the last one. Folded = what
 *   the engine does per entry: decode the store data, lay it over the state.
 * - Baseline: an entry of the same size of plain keys and strings, folded
 *   over a state of the same shape.
 * - Refused: the hostile entry of issue 8 (two list items with exponents of
 *   ~10⁹, which took seconds per comparison before the limits), decoded.
 */
import { ENTRY_LIMITS } from '@engram/backend-api'
import { Doc, MAX_POSITION_EXPONENT, MAX_POSITION_HEX_DIGITS, MAX_POSITION_STEPS } from '@engram/database'
import { fmt, medianMs, table } from './measure.ts'

const ID = '0123456789abcdef'
const LIMIT = ENTRY_LIMITS.maxDataLength

/** An odd numerator of exactly MAX_POSITION_HEX_DIGITS hex digits, at the largest exponent. */
const BIG = `${'f'.repeat(MAX_POSITION_HEX_DIGITS - 1)}1p-${MAX_POSITION_EXPONENT}`
const PREFIX = Array.from({ length: MAX_POSITION_STEPS - 1 }, () => `"${BIG}","${ID}"`).join(',')

/** Item i of the earlier entry sits at i + 2^-1024 (the largest exponent); item i of the new one at i + 1/2. */
const oldLast = (i: number): string => `${(BigInt(i) << BigInt(MAX_POSITION_EXPONENT)).toString(16).replace(/0$/, '1')}p-${MAX_POSITION_EXPONENT}`
const newLast = (i: number): string => `${(2 * i + 1).toString(16)}p-1`

/** `{"doc":{"l":{"list":[…]}}}` with as many items as fit in `limit` characters. */
function worstList(last: (i: number) => string, limit: number): { text: string; items: number } {
  const parts: string[] = []
  let size = '{"doc":{"l":{"list":[]}}}'.length
  for (let i = 0; ; i++) {
    const item = `[${PREFIX},"${last(i)}","${ID}",${i}]`
    if (size + item.length + 1 > limit) break
    parts.push(item)
    size += item.length + 1
  }
  return { text: `{"doc":{"l":{"list":[${parts.join(',')}]}}}`, items: parts.length }
}

/** `{"doc":{"k…":"…",…}}` of plain string values, as long as the worst list. */
function plainDoc(prefix: string, limit: number): string {
  const parts: string[] = []
  let size = '{"doc":{}}'.length
  for (let i = 0; ; i++) {
    const item = `"${prefix}${String(i).padStart(8, '0')}":"${'v'.repeat(100)}"`
    if (size + item.length + 1 > limit) break
    parts.push(item)
    size += item.length + 1
  }
  return `{"doc":{${parts.join(',')}}}`
}

/** Median ms of folding `text` (decode + lay over a fresh copy of `base`); the copy is not timed. */
async function foldMs(base: Doc, text: string, runs: number): Promise<number> {
  const times: number[] = []
  for (let r = 0; r < runs; r++) {
    const state = base.clone()
    times.push(
      await medianMs(() => {
        state.absorb(Doc.decode(text))
      }, 1),
    )
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

export async function run(): Promise<void> {
  const old = worstList(oldLast, LIMIT)
  const next = worstList(newLast, LIMIT)
  const worstBase = Doc.decode(old.text)
  const plainBase = Doc.decode(plainDoc('a', LIMIT))
  const plain = plainDoc('b', next.text.length)
  const hostile = `{"doc":{"l":{"list":[["1p-999999999","${ID}","x"],["3p-999999999","${ID}","y"]]}}}`

  const merged = worstBase.clone().absorb(Doc.decode(next.text))
  if ((merged.get('l') as unknown[]).length !== old.items + next.items) throw new Error('the worst entry did not fold')

  await foldMs(worstBase, next.text, 2) // warm-up
  await foldMs(plainBase, plain, 2)
  const worst = await foldMs(worstBase, next.text, 7)
  const baseline = await foldMs(plainBase, plain, 7)
  const refused = await medianMs(() => {
    try {
      Doc.decode(hostile)
    } catch {
      return
    }
    throw new Error('the hostile entry decoded')
  }, 101)

  const kib = next.text.length / 1024
  console.log(
    `limits: ${MAX_POSITION_STEPS} steps, exponent ≤ ${MAX_POSITION_EXPONENT}, numerator ≤ ${MAX_POSITION_HEX_DIGITS} hex digits; ` +
      `entry data ≤ ${LIMIT} characters. Worst entry: ${next.items} items over ${old.items}, ${fmt(kib)} KiB`,
  )
  table([
    ['measure', 'median µs', 'µs per KiB', 'x baseline'],
    ['baseline: fold a plain entry of the same size', fmt(baseline * 1000), fmt((baseline * 1000) / kib, 1), '1.00'],
    ['fold the worst list entry the limits allow', fmt(worst * 1000), fmt((worst * 1000) / kib, 1), fmt(worst / baseline, 2)],
    ['refuse the issue-8 hostile entry (decode)', fmt(refused * 1000, 1), '', ''],
  ])
}
