/**
 * @module
 * The Doc CRDT as a store state (DocStore, Table, SettingsStore, `_index`).
 */
import { Doc } from '../crdt/index.js'
import { layShared } from '../crdt/node.js'
import type { StoreCrdt } from './types.js'

/**
 * Folds Doc-based stores: entry data is `Doc.encode()`. States are
 * immutable and share structure: `merge` lays a delta over a state without
 * changing it (O(size of the delta × log(size of the state))), so the engine
 * never copies a Doc state.
 */
export const docCrdt: StoreCrdt<Doc> = {
  empty: () => new Doc(),
  decode: (data) => Doc.decode(data),
  encode: (state) => state.encode(),
  absorb: (state, delta) => state.absorb(delta),
  merge: (state, delta) => layShared(state, delta) as Doc,
  clone: (state) => state.clone(),
  isEmpty: (state) => state.isEmpty(),
}
