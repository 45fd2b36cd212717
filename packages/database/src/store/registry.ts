/**
 * @module
 * The registry of store types: built-ins (`docstore:v1`, `table:v1`) and
 * custom ones added by plugin authors with {@link registerStoreType}.
 */
import { StoreTypeExistsError } from '../errors.js'
import { DocStore } from './doc-store.js'
import { Table } from './table.js'
import type { StoreClass } from './types.js'

const TYPE_ID = /^[a-z0-9][a-z0-9_-]*:v[0-9]+$/i
const registry = new Map<string, StoreClass<unknown>>()
const checked = new WeakSet<object>()

/** Checks a store class's static shape. @throws TypeError. */
export function checkStoreClass(Store: unknown): StoreClass<unknown> {
  if (typeof Store === 'function' && checked.has(Store)) return Store as StoreClass<unknown>
  if (typeof Store !== 'function') throw new TypeError('store class must be a class')
  const S = Store as Partial<StoreClass<unknown>>
  if (typeof S.typeId !== 'string' || !TYPE_ID.test(S.typeId))
    throw new TypeError('store class must have a static typeId like "counter:v1"')
  const crdt = S.crdt
  if (
    typeof crdt !== 'object' ||
    crdt === null ||
    !['empty', 'decode', 'encode', 'absorb', 'clone'].every((m) => typeof (crdt as unknown as Record<string, unknown>)[m] === 'function')
  )
    throw new TypeError('store class must have a static crdt { empty, decode, encode, absorb, clone }')
  for (const optional of ['merge', 'isEmpty'])
    if (!['undefined', 'function'].includes(typeof (crdt as unknown as Record<string, unknown>)[optional]))
      throw new TypeError(`store class crdt.${optional} must be a function when given`)
  checked.add(Store)
  return Store as StoreClass<unknown>
}

/**
 * Registers a store type so that databases can open stores of it by name
 * and `getStoreType(typeId)` finds it. Registering the same class again is a
 * no-op. Stores opened with an unregistered class are registered on first use.
 * @throws StoreTypeExistsError (`STORE_TYPE_EXISTS`) when another class holds the type id; TypeError for a malformed class.
 */
export function registerStoreType<S>(Store: StoreClass<S>): void {
  const S = checkStoreClass(Store)
  const existing = registry.get(S.typeId)
  if (existing === S) return
  if (existing !== undefined) throw new StoreTypeExistsError(S.typeId)
  registry.set(S.typeId, S)
}

/** The class registered for `typeId`, or `undefined`. */
export function getStoreType(typeId: string): StoreClass<unknown> | undefined {
  return registry.get(typeId)
}

/** Every registered type id, sorted. */
export function listStoreTypes(): string[] {
  return [...registry.keys()].sort()
}

registerStoreType(DocStore)
registerStoreType(Table)
