/**
 * @module
 * Store state computation and caches (DECISIONS 5).
 */
export { StateManager, storeParents, type Acquired, type AcquireMode, type StagedDelta } from './manager.js'
export { LruCache } from './lru.js'
export { TipsMemo } from './memo.js'
export { normalizeTips, sameTips, advanceTips, tipsKey } from './tips.js'
