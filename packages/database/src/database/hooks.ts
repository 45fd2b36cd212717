/**
 * @module
 * Write hooks: listeners told about each entry once it is stored and
 * verified, either committed here (`local`) or received (`remote`).
 */
import type { Entry, Id } from '@engram/backend-api'

/** Where an entry came from. */
export type WriteSource = 'local' | 'remote'

/** What a write listener is told. */
export interface WriteEvent {
  entryId: Id
  databaseId: Id
  entry: Entry
  source: WriteSource
}

/** A write listener; a returned promise is awaited, a throw or rejection is reported and ignored. */
export type WriteListener = (event: WriteEvent) => void | Promise<void>

interface Registration {
  listener: WriteListener
}

/**
 * Write listeners, per database or global. For each entry the listeners of
 * its database run first, then the global ones, in registration order.
 * Errors never reach the writer: they go to `onError` (default: ignored).
 */
export class WriteHooks {
  /** source → database id (or `*` for every database) → listeners. */
  readonly #listeners: Record<WriteSource, Map<string, Set<Registration>>> = { local: new Map(), remote: new Map() }
  readonly #onError: (error: unknown, event: WriteEvent) => void

  constructor(onError: (error: unknown, event: WriteEvent) => void = () => {}) {
    this.#onError = onError
  }

  /**
   * Registers `listener` for writes from `source`, of database `databaseId`
   * (or every database when omitted). Returns the unsubscribe function.
   */
  on(source: WriteSource, listener: WriteListener, databaseId?: Id): () => void {
    if (source !== 'local' && source !== 'remote') throw new RangeError('source must be "local" or "remote"')
    if (typeof listener !== 'function') throw new TypeError('listener must be a function')
    if (databaseId !== undefined && typeof databaseId !== 'string') throw new TypeError('databaseId must be a string')
    const bySource = this.#listeners[source]
    const key = databaseId ?? '*'
    let set = bySource.get(key)
    if (set === undefined) bySource.set(key, (set = new Set()))
    const reg: Registration = { listener }
    set.add(reg)
    return () => {
      set.delete(reg)
      if (set.size === 0 && bySource.get(key) === set) bySource.delete(key)
    }
  }

  /** Whether any listener would be told about a write of `databaseId` from `source`. */
  has(source: WriteSource, databaseId: Id): boolean {
    const bySource = this.#listeners[source]
    return bySource.size > 0 && (bySource.has(databaseId) || bySource.has('*'))
  }

  /** Runs the listeners for one event: its database's first, then the global ones. */
  async emit(event: WriteEvent): Promise<void> {
    const bySource = this.#listeners[event.source]
    if (bySource.size === 0) return
    const regs = [...(bySource.get(event.databaseId) ?? []), ...(bySource.get('*') ?? [])]
    for (const reg of regs) {
      try {
        await reg.listener(event)
      } catch (err) {
        try {
          this.#onError(err, event)
        } catch {
          // an error handler that throws must not fail the write either
        }
      }
    }
  }
}
