/**
 * @module
 * What the engine needs from a store type: its type id, how to fold its
 * state (the CRDT description), and the constructor context it is given.
 */

/**
 * How the engine folds a store's state from entries (DECISIONS 5). States
 * are values of `State`; the engine never looks inside them.
 * - `empty()`: the state of a store with no entries;
 * - `decode(data)` / `encode(state)`: the `data` string of an entry's store
 *   node, deterministic and exact (throw on malformed input);
 * - `absorb(state, delta)`: lay `delta` over `state` in place and return it
 *   (deltas are absorbed in the one DAG order; must be associative and
 *   idempotent, like `Doc.merge`);
 * - `clone(state)`: a deep copy (the engine copies on write);
 * - `merge(state, delta)`, optional: a new state, `delta` laid over `state`,
 *   without changing `state` or anything reachable from it; the result may
 *   share structure with `state` (a persistent data structure). With it the
 *   engine treats states as immutable values and never clones them: a view
 *   costs O(1) and a commit after a view O(size of the change). Without it,
 *   the engine copies a state (`clone`) before advancing it while a view or
 *   an open transaction still reads it.
 */
export interface StoreCrdt<State> {
  empty(): State
  decode(data: string): State
  encode(state: State): string
  absorb(state: State, delta: State): State
  clone(state: State): State
  /** Lays `delta` over `state` without changing `state` (see above). Optional. */
  merge?(state: State, delta: State): State
  /** Whether a delta changes nothing (then no data is written). Optional. */
  isEmpty?(state: State): boolean
}

/** Where a store handle reads and writes. Engine-internal; built by Transaction and Database. */
export interface StoreContext<State> {
  /** The store's name in the database. */
  readonly name: string
  /** The CRDT description of the store type. */
  readonly crdt: StoreCrdt<State>
  /** The committed state at the handle's tips (never mutate it). */
  base(): Promise<State>
  /**
   * The transaction's staged delta for this store, created on first use; `undefined`
   * when nothing is staged. Only for transaction handles.
   */
  staged(): State | undefined
  /**
   * The staged delta to write into. Marks the store as changed.
   * @throws ReadOnlyError (`READ_ONLY`) on a view; TxnClosedError (`TXN_CLOSED`) after commit.
   */
  stage(): State
}

/** A store class the engine can open: a constructor taking a {@link StoreContext}, its `typeId` and `crdt`. */
export interface StoreClass<S> {
  /** `<kind>:v<N>`, e.g. `docstore:v1`. Registered in `_index` for every named store. */
  readonly typeId: string
  /** How the engine folds this store type's state. */
  readonly crdt: StoreCrdt<any>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  new (context: StoreContext<any>): S
}
