/**
 * @module
 * Small helpers on tip sets (sorted, de-duplicated id lists).
 */
import type { Id } from '@engram/backend-api'

/**
 * A new empty id list laid out like a non-empty one. V8 gives `[]` another
 * layout (small-integer elements) than a list of strings, so code optimized
 * on id lists deoptimizes when an empty one from `[]` comes by (the first
 * commit to a store, a new database).
 */
export function noIds(): Id[] {
  const ids: Id[] = ['']
  ids.pop()
  return ids
}

/** Sorted, de-duplicated copy. */
export function normalizeTips(ids: readonly Id[]): Id[] {
  if (ids.length === 0) return noIds()
  if (ids.length === 1) return [ids[0]!]
  const out = [...new Set(ids)]
  return out.sort()
}

/** Whether two id lists hold the same set (inputs sorted & unique, or tiny). */
export function sameTips(a: readonly Id[], b: readonly Id[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  if (a.length === 1) return a[0] === b[0]
  const set = new Set(a)
  for (const id of b) if (!set.has(id)) return false
  return true
}

/**
 * `tips` minus `parents`, plus `id`, sorted: the tips after a new child `id`
 * of `parents`. `alone` (`[id]`, shared by the caller) is returned as is
 * when the new entry simply extends the only tip.
 */
export function advanceTips(tips: readonly Id[], parents: readonly Id[], id: Id, alone: readonly Id[] = [id]): Id[] {
  if (tips.length === 1 && parents.length === 1 && tips[0] === parents[0]) return alone as Id[]
  const drop = new Set(parents)
  const out = tips.filter((t) => !drop.has(t) && t !== id)
  out.push(id)
  return out.sort()
}

/** A cache key for a tip set. */
export const tipsKey = (tips: readonly Id[]): string => (tips.length === 1 ? tips[0]! : normalizeTips(tips).join(','))
