/**
 * @module
 * `Store`, the base class of every store handle (built-in and custom).
 */
import type { StoreContext, StoreCrdt } from './types.js'

/**
 * Base class of store handles. A handle from a transaction reads the
 * committed state merged with what the transaction staged and writes into
 * the staged delta; a handle from `Database.getStore` is a read-only
 * snapshot (writes → `READ_ONLY`).
 *
 * Subclasses set `static typeId` and `static crdt`, read with
 * {@link Store.current} and write through {@link Store.stage}.
 */
export abstract class Store<State> {
  readonly #context: StoreContext<State>
  #merged: State | undefined
  #mergedFrom: State | undefined

  constructor(context: StoreContext<State>) {
    this.#context = context
  }

  /** The store's name in the database. */
  get name(): string {
    return this.#context.name
  }

  protected get crdt(): StoreCrdt<State> {
    return this.#context.crdt
  }

  /** The committed state at the handle's tips, without staged changes (do not mutate). */
  protected committed(): Promise<State> {
    return this.#context.base()
  }

  /** The staged delta, if anything was staged (do not mutate; use {@link stage}). */
  protected staged(): State | undefined {
    return this.#context.staged()
  }

  /** The committed state with the staged delta laid over it (do not mutate). */
  protected async current(): Promise<State> {
    const base = await this.#context.base()
    const staged = this.#context.staged()
    if (staged === undefined) return base
    if (this.#merged === undefined || this.#mergedFrom !== base) {
      const crdt = this.crdt
      // A persistent merge shares the base: O(size of the staged delta), not O(size of the store).
      this.#merged = crdt.merge !== undefined ? crdt.merge(base, staged) : crdt.absorb(crdt.clone(base), staged)
      this.#mergedFrom = base
    }
    return this.#merged
  }

  /**
   * The staged delta to change in place.
   * @throws ReadOnlyError (`READ_ONLY`) on a view; TxnClosedError (`TXN_CLOSED`) after commit.
   */
  protected stage(): State {
    const staged = this.#context.stage()
    this.#merged = undefined
    return staged
  }
}
