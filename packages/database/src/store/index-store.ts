/**
 * @module
 * The `_index` store: the registry of named stores and their type ids
 * (data-layer §4.6). `_index[name] = { type: <typeId>, config: <string> }`.
 */
import type { Doc } from '../crdt/index.js'

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

/** Stages the registration of `name` as `typeId`. */
export function stageRegistration(staged: Doc, name: string, typeId: string): void {
  staged.set(name, { type: typeId, config: '{}' })
}
