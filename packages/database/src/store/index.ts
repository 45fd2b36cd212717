/**
 * @module
 * Stores: the base class, the built-in store types, the `_index` registry
 * and the registry of store types.
 */
export { Store } from './base.js'
export type { StoreClass, StoreContext, StoreCrdt } from './types.js'
export { docCrdt } from './doc-crdt.js'
export { DocStore } from './doc-store.js'
export { Table } from './table.js'
export { SettingsStore, SETTINGS_STORE } from './settings-store.js'
export { INDEX_STORE, ROOT_STORE, isSystemStore, registeredType, stageRegistration } from './index-store.js'
export { registerStoreType, getStoreType, listStoreTypes, checkStoreClass } from './registry.js'
