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

/**
 * A random database (deterministic for `seed`): a root holding store `a`,
 * then `n` entries, each on one of the current tips and one random earlier
 * entry, holding `a` and/or `b` (or neither) with the store's heads in its
 * history as store parents (what a commit writes). In an order where parents
 * come first. For testing graph answers a backend keeps itself (tips, store
 * tips, heights in its own tables) against the shared implementation.
 */
export function randomDag(seed: number, n: number, name: string = `random-${seed}`): { root: Fixture; entries: Fixture[] } {
  let x = seed
  const rand = (k: number) => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x % k)
  const root = makeRoot(name, { a: { data: '0' } })
  const all = [root]
  // The store heads in each entry's history, by brute force over its ancestors.
  const ancestors = new Map<Id, Set<Id>>([[root.id, new Set([root.id])]])
  const holds = new Map<Id, Set<string>>([[root.id, new Set(['a'])]])
  const out: Fixture[] = []
  for (let i = 0; i < n; i++) {
    const tipsNow = all.filter((e) => !all.some((c) => c.entry.tree.parents.includes(e.id)))
    const parents = [...new Set([tipsNow[rand(tipsNow.length)]!.id, all[rand(all.length)]!.id])]
    const history = new Set<Id>()
    for (const p of parents) for (const h of ancestors.get(p)!) history.add(h)
    const stores: Record<string, StoreSpec> = {}
    for (const s of ['a', 'b']) {
      if (rand(3) === 0) continue
      const members = [...history].filter((h) => holds.get(h)!.has(s))
      const heads = members.filter((m) => !members.some((o) => o !== m && ancestors.get(o)!.has(m)))
      stores[s] = { parents: heads, data: String(i) }
    }
    const e = makeEntry(root.id, parents, stores, i)
    history.add(e.id)
    ancestors.set(e.id, history)
    holds.set(e.id, new Set(Object.keys(stores)))
    all.push(e)
    out.push(e)
  }
  return { root, entries: out }
}
