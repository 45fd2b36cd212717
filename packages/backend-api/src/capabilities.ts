/**
 * @module
 * Detecting and checking the optional Backend capabilities (`insert`,
 * `watch`, durable state checkpoints).
 */
import type { Backend, Checkpoint, CheckpointBackend, InsertingBackend, WatchableBackend } from './backend.js'
import type { Entry, Id, VerificationStatus } from './entry.js'
import { assertIdList, assertString } from './validate.js'

/** Whether `backend` stores and reports newness in one step ({@link InsertingBackend}). */
export function canInsert(backend: Backend): backend is InsertingBackend {
  return typeof (backend as Partial<InsertingBackend>).insert === 'function'
}

/**
 * Stores `entry` unless its id is stored, and says whether this call stored
 * it: one step on an {@link InsertingBackend}, else `has` then `put` (two
 * steps: callers that may store one id concurrently serialise themselves).
 */
export async function insertEntry(backend: Backend, id: Id, entry: Entry, status: VerificationStatus): Promise<boolean> {
  if (canInsert(backend)) return backend.insert(id, entry, status)
  if (await backend.has(id)) return false
  await backend.put(id, entry, status)
  return true
}

/** Whether `backend` reports writes from other processes ({@link WatchableBackend}). */
export function canWatch(backend: Backend): backend is WatchableBackend {
  return typeof (backend as Partial<WatchableBackend>).watch === 'function'
}

/** Whether `backend` keeps durable state checkpoints ({@link CheckpointBackend}). */
export function hasCheckpoints(backend: Backend): backend is CheckpointBackend {
  const b = backend as Partial<CheckpointBackend>
  return typeof b.putCheckpoint === 'function' && typeof b.getCheckpoints === 'function' && typeof b.deleteCheckpoints === 'function'
}

/**
 * Returns a normalised copy of a checkpoint (tips sorted, unique).
 * @throws TypeError for a wrong type, RangeError for no tips or a height that is not a non-negative integer.
 */
export function assertCheckpoint(value: unknown): Checkpoint {
  if (typeof value !== 'object' || value === null) throw new TypeError('checkpoint must be an object')
  const c = value as Record<string, unknown>
  const tips = [...new Set(assertIdList(c.tips, 'checkpoint.tips'))].sort()
  if (tips.length === 0) throw new RangeError('checkpoint.tips must name at least one entry')
  if (typeof c.height !== 'number') throw new TypeError('checkpoint.height must be a number')
  if (!Number.isSafeInteger(c.height) || c.height < 0) throw new RangeError('checkpoint.height must be a non-negative integer')
  return {
    tree: assertString(c.tree, 'checkpoint.tree'),
    store: assertString(c.store, 'checkpoint.store'),
    kind: assertString(c.kind, 'checkpoint.kind'),
    tips,
    height: c.height,
    data: assertString(c.data, 'checkpoint.data'),
  }
}
