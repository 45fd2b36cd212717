/**
 * @module
 * The `_index` store: the registry of named stores and their type ids
 * (data-layer §4.6). `_index[name] = { type: <typeId>, config: <string> }`.
 */
import { Doc } from '../crdt/index.js'
import { layShared } from '../crdt/node.js'
import type { StoreCrdt } from './types.js'

/** The reserved store name of the index. */
export const INDEX_STORE = '_index'
/** The reserved store name that marks a root entry. */
export const ROOT_STORE = '_root'

/** Store names that are never registered in `_index`. */
export const isSystemStore = (name: string): boolean => name === '_index' || name === '_settings' || name === '_root'

/** The type id registered for `name` in an `_index` state, if any. */
export function registeredType(index: Doc, name: string): string | undefined {
  const info = index.get(name)
  if (typeof info !== 'object' || info === null || Array.isArray(info)) return undefined
  return typeof info.type === 'string' ? info.type : undefined
}

/** The type id under which `_index` states are kept. */
export const INDEX_TYPE = 'index:v1'

/**
 * The delta without the names `state` already registers: the first
 * registration of a name in the DAG order wins (a later one, made on a
 * concurrent branch with another type, changes nothing). A delta that
 * replaces the whole index is taken name by name too.
 */
function unregisteredPart(state: Doc, delta: Doc): Doc | undefined {
  let keep = true
  delta._children.forEach((_, name) => {
    if (registeredType(state, name) !== undefined) keep = false
  })
  if (keep && !delta._replace) return delta
  const out = new Doc()
  delta._children.forEach((node, name) => {
    if (registeredType(state, name) === undefined) out._children = out._children.set(name, node)
  })
  return out._children.size === 0 ? undefined : out
}

/** The `_index` fold: the Doc CRDT where a name's first registration in the DAG order wins. */
export const indexCrdt: StoreCrdt<Doc> = {
  empty: () => new Doc(),
  decode: (data) => Doc.decode(data),
  encode: (state) => state.encode(),
  absorb: (state, delta) => {
    const part = unregisteredPart(state, delta)
    return part === undefined ? state : state.absorb(part)
  },
  merge: (state, delta) => {
    const part = unregisteredPart(state, delta)
    return part === undefined ? state : (layShared(state, part) as Doc)
  },
  clone: (state) => state.clone(),
  isEmpty: (state) => state.isEmpty(),
}

/** Stages the registration of `name` as `typeId`. */
export function stageRegistration(staged: Doc, name: string, typeId: string): void {
  staged.set(name, { type: typeId, config: '{}' })
}
