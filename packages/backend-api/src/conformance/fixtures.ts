/**
 * @module
 * Fixture factories for backend tests: well-formed entries with real ids
 * (unsigned; backends do not check signatures). Each call builds fresh objects.
 */
import { entryId } from '../encode.js'
import type { Entry, Id } from '../entry.js'

/** An entry and its id. */
export interface Fixture {
  id: Id
  entry: Entry
}

/** A store node for {@link makeEntry}: its store parents and optional data. */
export interface StoreSpec {
  parents?: readonly Id[]
  data?: string
}

const sorted = (ids: readonly Id[]): Id[] => [...new Set(ids)].sort()

/**
 * A database root entry: a `_root` node (plus any `stores`), no parents.
 * `seed` goes into the metadata so each root is unique.
 */
export function makeRoot(seed: string | number = 0, stores: Record<string, StoreSpec> = {}): Fixture {
  return finish({
    tree: { root: '', parents: [], metadata: JSON.stringify({ entropy: seed }) },
    subtrees: nodes({ _root: { data: '' }, ...stores }),
    sig: { sig: null, key: '' },
  })
}

/**
 * A non-root entry of database `root` with main `parents` and store nodes
 * `stores` (`{ tasks: { parents: [a], data: 'x' } }`); `seed` makes otherwise
 * equal entries distinct.
 */
export function makeEntry(
  root: Id,
  parents: readonly Id[],
  stores: Record<string, StoreSpec> = {},
  seed: string | number = 0,
): Fixture {
  return finish({
    tree: { root, parents: sorted(parents), metadata: JSON.stringify({ seed }) },
    subtrees: nodes(stores),
    sig: { sig: null, key: '' },
  })
}

function nodes(stores: Record<string, StoreSpec>): Entry['subtrees'] {
  return Object.keys(stores)
    .sort()
    .map((name) => {
      const spec = stores[name]!
      const node: Entry['subtrees'][number] = { name, parents: sorted(spec.parents ?? []) }
      if (spec.data !== undefined) node.data = spec.data
      return node
    })
}

function finish(entry: Entry): Fixture {
  return { id: entryId(entry), entry }
}
