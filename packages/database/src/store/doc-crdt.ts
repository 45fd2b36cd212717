/**
 * @module
 * The Doc CRDT as a store state (DocStore, Table, SettingsStore, `_index`).
 */
import { Doc } from '../crdt/index.js'
import type { StoreCrdt } from './types.js'

/** Folds Doc-based stores: entry data is `Doc.encode()`, deltas are laid over with `absorb`. */
export const docCrdt: StoreCrdt<Doc> = {
  empty: () => new Doc(),
  decode: (data) => Doc.decode(data),
  encode: (state) => state.encode(),
  absorb: (state, delta) => state.absorb(delta),
  clone: (state) => state.clone(),
  isEmpty: (state) => state.isEmpty(),
}
