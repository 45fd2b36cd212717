/**
 * Test helpers shared by the Node (fake-indexeddb) and Chromium runs: unique
 * database names, raw IndexedDB access, and a wrapper that reopens the
 * backend before every read.
 */
import type { Backend } from '@engram/backend-api'
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

const MUTATING = new Set(['put', 'setStatus', 'putLocalKey', 'deleteLocalKey', 'setMetadata'])

export interface Reopening {
  backend: Backend
  /** How many close → open round trips happened. */
  reopens(): number
  dispose(): Promise<void>
}

/**
 * A Backend whose every read first closes the IndexedDB backend and opens
 * it again (when something was written since), so each conformance query is
 * answered from what IndexedDB durably holds.
 */
export async function createReopening(): Promise<Reopening> {
  const name = uniqueName('engram-reopen')
  let inner = await IndexedDbBackend.open(name)
  let dirty = false
  let count = 0
  const call = (name: string, args: unknown[]): Promise<unknown> =>
    (inner as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args)
  const backend = new Proxy({} as Backend, {
    get(_target, prop) {
      if (typeof prop !== 'string' || prop === 'then') return undefined
      return async (...args: unknown[]) => {
        if (MUTATING.has(prop)) {
          const result = await call(prop, args)
          dirty = true
          return result
        }
        if (dirty) {
          dirty = false
          await inner.close()
          inner = await IndexedDbBackend.open(name)
          count++
        }
        return call(prop, args)
      }
    },
  })
  return {
    backend,
    reopens: () => count,
    dispose: async () => {
      await inner.close()
      await deleteDatabase(name)
    },
  }
}
