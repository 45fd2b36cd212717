/**
 * @module
 * @internal The record of sealed entries (see `seal.ts`): entry object → the
 * id computed when it was sealed. Package-internal: only the sealing
 * functions add to it, after freezing the entry and hashing it themselves.
 */
import type { Id } from './entry.js'

const sealedIds = new WeakMap<object, Id>()

/** Records that the frozen `entry` hashes to `id`. */
export function markSealed(entry: object, id: Id): void {
  sealedIds.set(entry, id)
}

/** Whether `entry` is a sealed entry whose id is `id`. */
export function isSealedAs(entry: unknown, id: Id): boolean {
  return typeof entry === 'object' && entry !== null && sealedIds.get(entry) === id
}
