/**
 * @module
 * @internal The record of sealed entries (see `seal.ts`): entry object → the
 * id computed when it was sealed. Package-internal: only the sealing
 * functions add to it, after freezing the entry and hashing it themselves.
 *
 * An engine puts an entry right after sealing it, so only the most recent
 * seals are kept, in a small ring (a WeakMap over every entry ever sealed
 * cost more to fill and to trace in each GC than the re-hash it saves). An
 * entry that has dropped out is simply checked and hashed again by `checkPut`.
 */
import type { Id } from './entry.js'

const SIZE = 64
const entries: (object | undefined)[] = new Array<object | undefined>(SIZE).fill(undefined)
const ids: (Id | undefined)[] = new Array<Id | undefined>(SIZE).fill(undefined)
let next = 0

/** Records that the frozen `entry` hashes to `id`. */
export function markSealed(entry: object, id: Id): void {
  entries[next] = entry
  ids[next] = id
  next = (next + 1) % SIZE
}

/** Whether `entry` is a recently sealed entry whose id is `id`. */
export function isSealedAs(entry: unknown, id: Id): boolean {
  if (typeof entry !== 'object' || entry === null) return false
  // Newest first: the entry being put is almost always the last one sealed.
  for (let k = 1; k <= SIZE; k++) {
    const i = (next - k + SIZE) % SIZE
    if (entries[i] === entry) return ids[i] === id
  }
  return false
}
