/**
 * @module
 * Writes from other processes (issue 10): when the backend reports them
 * (`WatchableBackend.watch`), each entry another handle stored and verified
 * is laid into this process's tips and store states, as a received one is,
 * and fires the 'remote' write hooks of every Engine over that backend. So a
 * Database handle in one process sees another process's commits, and a
 * commit made before they arrived simply becomes a concurrent branch that
 * the next commit merges.
 */
import type { ChangedEntry, Entry, WatchableBackend } from '@engram/backend-api'
import type { StateManager } from '../state/index.js'
import type { WriteHooks } from './hooks.js'

/** Hooks of the Engines over one backend (weakly held: an Engine nobody uses goes away). */
export type HookSet = Set<WeakRef<WriteHooks>>

/**
 * Subscribes to `backend`'s change feed. Batches are applied one after the
 * other, in the order the backend reported them (parents first). Returns
 * the unsubscribe function.
 */
export function followBackend(backend: WatchableBackend, states: StateManager, hooks: HookSet): () => void {
  let chain: Promise<void> = Promise.resolve()
  states.trackApplied()
  return backend.watch((changes) => {
    const batch = changes.slice()
    chain = chain.then(() => apply(backend, states, hooks, batch)).catch(() => {})
  })
}

async function apply(backend: WatchableBackend, states: StateManager, hooks: HookSet, changes: readonly ChangedEntry[]): Promise<void> {
  for (const change of changes) {
    if (change.status === 'failed') {
      // It may have been verified here before: start over from the backend for that database.
      states.forget(change.tree)
      continue
    }
    if (change.status !== 'verified') continue // another process's pending entry: not visible yet
    if (states.wasApplied(change.id)) continue // taken in already (reported again, e.g. a write of this process)
    let entry: Entry
    try {
      // Entries are immutable and verified stays verified: what `get` returns now is what the other process wrote.
      if ((await backend.getStatus(change.id)) !== 'verified') continue
      entry = await backend.get(change.id)
    } catch {
      states.forget(change.tree)
      continue
    }
    // An entry on tips this process has moved past (a concurrent branch made on older tips, or one a
    // lazy load already took in): applying it in place would bring back tips it has left, so the head
    // is read again from the backend instead.
    if (states.extendsHead(change.tree, entry.tree.parents) === false) states.reload(change.tree)
    else states.applyVerified(change.tree, change.id, entry)
    for (const ref of hooks) {
      const h = ref.deref()
      if (h === undefined) hooks.delete(ref)
      else if (h.has('remote', change.tree)) h.emit({ entryId: change.id, databaseId: change.tree, entry, source: 'remote' })
    }
  }
}
