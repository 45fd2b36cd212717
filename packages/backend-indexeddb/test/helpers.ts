/**
 * Test helpers shared by the Node (fake-indexeddb) and Chromium runs: unique
 * database names, raw IndexedDB access, and a wrapper that reopens the
 * backend before every read.
 */
import type { Backend, ChangedEntry, InsertingBackend, WatchableBackend } from '@engram/backend-api'
import { IndexedDbBackend } from '../src/index.js'

let counter = 0

/** A database name no other test uses. */
export function uniqueName(prefix = 'engram-test'): string {
  counter++
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 10)}`
}

/** Deletes database `name` (resolves also when it was blocked and then went through). */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name)
    request.onsuccess = () => resolve()
    request.onerror = () => reject(request.error)
  })
}

/** Opens `name` raw, at `version` (none: current), running `upgrade` when needed. */
export function rawOpen(name: string, version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version)
    request.onupgradeneeded = () => upgrade?.(request.result)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

/** Runs `op` on object store `store` of a raw connection in one transaction. */
export function rawTx<T>(db: IDBDatabase, store: string, mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode)
    const request = op(tx.objectStore(store))
    let result: T
    request.onsuccess = () => (result = request.result)
    tx.oncomplete = () => resolve(result)
    tx.onabort = () => reject(tx.error)
  })
}

/** Waits until `check` holds (polling every few ms), or fails after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** The Backend methods that change storage (every other one reads). */
const MUTATING = ['put', 'insert', 'setStatus', 'putLocalKey', 'deleteLocalKey', 'setMetadata'] as const
const READING = [
  'get',
  'has',
  'getStatus',
  'idsByStatus',
  'treeEntryIds',
  'rootIds',
  'getLocalKey',
  'listLocalKeys',
  'getMetadata',
  'getTips',
  'getStoreTips',
  'getStoreTipsUpTo',
  'getHeight',
  'getTree',
  'getTreeFromTips',
  'getStore',
  'getStoreFromTips',
  'findLca',
  'getPathFromTo',
] as const
// Every Backend method is one or the other (a new one added to the contract fails to compile here).
const complete: [Exclude<keyof Backend, Exclude<(typeof MUTATING)[number], 'insert'> | (typeof READING)[number]>] extends [never] ? true : never = true
void complete

export interface Reopening {
  /** Exactly the Backend methods, `insert` and `watch` (what IndexedDbBackend declares), nothing else. */
  backend: WatchableBackend & InsertingBackend
  /** How many close → open round trips happened. */
  reopens(): number
  dispose(): Promise<void>
}

/**
 * A WatchableBackend whose every read first closes the IndexedDB backend and
 * opens it again (when something was written since), so each conformance
 * query is answered from what IndexedDB durably holds. Watchers follow the
 * backend across reopens.
 */
export async function createReopening(): Promise<Reopening> {
  const name = uniqueName('engram-reopen')
  let inner = await IndexedDbBackend.open(name)
  let dirty = false
  let count = 0
  const watchers = new Map<(entries: ChangedEntry[]) => void, () => void>()
  const call = (method: string, args: unknown[]): Promise<unknown> =>
    (inner as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args)
  const backend: Record<string, unknown> = {}
  for (const method of MUTATING) {
    backend[method] = async (...args: unknown[]) => {
      const result = await call(method, args)
      dirty = true
      return result
    }
  }
  for (const method of READING) {
    backend[method] = async (...args: unknown[]) => {
      if (dirty) {
        dirty = false
        await inner.close()
        inner = await IndexedDbBackend.open(name)
        count++
        for (const [onEntries] of watchers) watchers.set(onEntries, inner.watch(onEntries))
      }
      return call(method, args)
    }
  }
  backend.watch = (onEntries: (entries: ChangedEntry[]) => void) => {
    const listener = (entries: ChangedEntry[]) => onEntries(entries)
    watchers.set(listener, inner.watch(listener))
    return () => {
      watchers.get(listener)?.()
      watchers.delete(listener)
    }
  }
  return {
    backend: backend as unknown as WatchableBackend & InsertingBackend,
    reopens: () => count,
    dispose: async () => {
      await inner.close()
      await deleteDatabase(name)
    },
  }
}
