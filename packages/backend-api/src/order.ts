/**
 * @module
 * The one deterministic order of entries (data-layer §6, DECISIONS 3):
 * height ascending, then id ascending (plain string comparison).
 */
import type { Id } from './entry.js'

/** Something with a height and an id. */
export interface HeightAndId {
  readonly height: number
  readonly id: Id
}

/** Compares by height, then by id; for `Array.prototype.sort`. */
export function compareByHeightThenId(a: HeightAndId, b: HeightAndId): number {
  if (a.height !== b.height) return a.height - b.height
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** Compares two ids as strings (the tie-break of every order). */
export function compareIds(a: Id, b: Id): number {
  return a < b ? -1 : a > b ? 1 : 0
}
