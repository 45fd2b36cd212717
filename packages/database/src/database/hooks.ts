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

/**
 * A write listener. It runs after the write, never awaited by it: a returned
 * promise is watched only for a rejection, which goes to `onError`, as does a throw.
 */
export type WriteListener = (event: WriteEvent) => void | Promise<void>

interface Registration {
  listener: WriteListener
}

interface Pending {
  event: WriteEvent
  regs: Registration[]
}

/**
 * Write listeners, per database or global (DECISIONS 15). `emit` only queues
 * the event: listeners run afterwards, on a microtask, one event after the
 * other in emit order and, for each event, its database's listeners first,
 * then the global ones, in registration order. Nothing waits for a listener
 * to settle, so a listener may commit or receive itself without deadlock,
 * and one that hangs or throws delays and fails nothing. Errors never reach
 * the writer: they go to `onError` (default: ignored).
 */
export class WriteHooks {
  /** source → database id (or `*` for every database) → listeners. */
  readonly #listeners: Record<WriteSource, Map<string, Set<Registration>>> = { local: new Map(), remote: new Map() }
  readonly #onError: (error: unknown, event: WriteEvent) => void
  readonly #queue: Pending[] = []
  #draining = false
  /** Listener promises not settled yet (see {@link settled}). */
  readonly #running = new Set<Promise<unknown>>()

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

  /**
   * Queues one event for the listeners registered now (its database's first,
   * then the global ones). Returns at once; the listeners run on a microtask.
   */
  emit(event: WriteEvent): void {
    const bySource = this.#listeners[event.source]
    if (bySource.size === 0) return
    const own = bySource.get(event.databaseId)
    const all = bySource.get('*')
    if (own === undefined && all === undefined) return
    this.#queue.push({ event, regs: [...(own ?? []), ...(all ?? [])] })
    if (!this.#draining) {
      this.#draining = true
      queueMicrotask(() => this.#drain())
    }
  }

  /**
   * Resolves once every queued event has been handed to its listeners and
   * every promise they returned so far has settled. A listener that never
   * settles keeps this pending; writes never wait on it.
   */
  async settled(): Promise<void> {
    for (;;) {
      if (this.#queue.length > 0 || this.#draining) {
        await new Promise<void>((resolve) => queueMicrotask(resolve))
        continue
      }
      if (this.#running.size === 0) return
      await Promise.allSettled([...this.#running])
    }
  }

  #drain(): void {
    // A listener that emits (by committing) appends to the queue; this loop runs it too, in order.
    for (let i = 0; i < this.#queue.length; i++) {
      const { event, regs } = this.#queue[i]!
      for (const reg of regs) this.#call(reg.listener, event)
    }
    this.#queue.length = 0
    this.#draining = false
  }

  #call(listener: WriteListener, event: WriteEvent): void {
    let result: unknown
    try {
      result = listener(event)
    } catch (err) {
      this.#report(err, event)
      return
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
      const watched = Promise.resolve(result as Promise<unknown>).then(
        () => undefined,
        (err: unknown) => this.#report(err, event),
      )
      this.#running.add(watched)
      void watched.finally(() => this.#running.delete(watched))
    }
  }

  #report(err: unknown, event: WriteEvent): void {
    try {
      this.#onError(err, event)
    } catch {
      // an error handler that throws must not fail the write either
    }
  }
}
