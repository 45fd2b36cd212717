/**
 * @module
 * The shared graph algorithms (tips, store tips, heights, walks, LCA, paths)
 * that every backend reuses through AbstractBackend, exported for backends
 * that keep their own index and want the same answers.
 */
export { TreeIndex } from './tree-index.js'
export { TopDownHeap } from './top-down-heap.js'
export { computeHeights, linksDescend, snapshotSource, type GraphSource } from './source.js'
export {
  holdsStore,
  lca,
  pathFromTo,
  sortByHeight,
  storeFromTips,
  storeOrder,
  storeParents,
  storeTips,
  storeTipsUpTo,
  tips,
  treeFromTips,
  treeOrder,
} from './queries.js'
