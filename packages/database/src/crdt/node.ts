/**
 * @module
 * The value nodes a Doc holds and the operations on them: turning user
 * values into nodes, laying one node over another (the merge), copying,
 * comparing and reading nodes back as plain JSON values.
 *
 * The merge rule (`lay(a, b)`, "b laid over a"):
 * - a scalar or tombstone `b` wins;
 * - a Doc/List `b` with the replace flag wins (it came from `set`);
 * - a Doc/List `b` without it merges into an `a` of the same kind key by
 *   key (position by position), keeping `a`'s flag; laid over a missing
 *   `a` it is copied as it is; laid over anything else (scalar, tombstone,
 *   the other container kind) it becomes a copy WITH the replace flag,
 *   because nothing below it survived.
 * This is associative and idempotent: a missing value is the identity, and
 * a flagged node shadows all below it exactly as the node it replaced did.
 */
import { Doc } from './doc.js'
import { InvalidValueError } from './errors.js'
import { List, type Item } from './list.js'
import { comparePositions, indexPosition } from './position.js'
import { SortedMap } from './sorted-map.js'

/** Plain JSON values: what Docs accept from and give back to users. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue }

/** The tombstone: a deleted key or list item. */
export interface Tombstone {
  readonly tombstone: true
}
export const TOMBSTONE: Tombstone = Object.freeze({ tombstone: true })

/** A value node: a scalar, a nested Doc or List, or the tombstone. */
export type Node = null | boolean | number | string | Doc | List | Tombstone

/**
 * Deepest container nesting a Doc may reach, counting the top-level Doc
 * as 1. Writes and `decode` reject anything deeper, which keeps every
 * recursive walk far from the stack limit.
 */
export const MAX_DEPTH = 256

let origins = 0
/**
 * @internal A fresh origin tag. Each container gets one when made; copies
 * keep it. It lives in memory only (not encoded, not compared by
 * `equals`) and lets `diff` tell an edited container from a replaced one.
 */
export const newOrigin = (): number => ++origins
/** Most nodes one user value may expand to (a shared sub-object counts each time it is reached). */
const MAX_NODES = 10_000_000

interface ConvertContext {
  count: number
  readonly ancestors: Set<object>
}

/**
 * Converts a user value to a fresh node. `levels` is how many container
 * levels the value may add where it is stored. A container at the root of
 * the value gets the replace flag (a value given to `set` replaces).
 * @throws InvalidValueError (INVALID_VALUE)
 */
export function fromUser(value: unknown, levels: number): Node {
  // Scalars (most values written) need no walk state.
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidValueError(`number ${String(value)} is not finite`)
    return value === 0 ? 0 : value // -0 has no JSON form: store 0
  }
  return convert(value, levels, { count: 0, ancestors: new Set() }, true)
}

function convert(v: unknown, levels: number, ctx: ConvertContext, root: boolean): Node {
  if (++ctx.count > MAX_NODES) throw new InvalidValueError(`value has more than ${MAX_NODES} nodes`)
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v
    case 'number':
      if (!Number.isFinite(v)) throw new InvalidValueError(`number ${String(v)} is not finite`)
      return v === 0 ? 0 : v // -0 has no JSON form: store 0
    case 'object':
      break
    default:
      throw new InvalidValueError(`a value of type ${typeof v} cannot be stored`)
  }
  if (v === null) return null
  if (v instanceof Doc || v instanceof List) {
    if (depthOf(v) > levels) throw new InvalidValueError(`value nests deeper than ${MAX_DEPTH} levels`)
    const copy = cloneNode(v) as Doc | List
    if (root) {
      copy._replace = true
      copy._origin = newOrigin() // a new value in this place, not the old one edited
    }
    return copy
  }
  if (levels <= 0) throw new InvalidValueError(`value nests deeper than ${MAX_DEPTH} levels`)
  if (ctx.ancestors.has(v)) throw new InvalidValueError('value is cyclic')
  const proto: unknown = Object.getPrototypeOf(v)
  ctx.ancestors.add(v)
  try {
    if (Array.isArray(v) && proto === Array.prototype) {
      const list = new List()
      list._replace = root
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) throw new InvalidValueError(`array has a hole at index ${i}`)
        list._items.push({ pos: indexPosition(i), value: convert(v[i], levels - 1, ctx, false) })
      }
      list._invalidate()
      return list
    }
    if (proto === Object.prototype || proto === null) {
      if (Object.getOwnPropertySymbols(v).length > 0) throw new InvalidValueError('object has symbol keys')
      const doc = new Doc()
      doc._replace = root
      const obj = v as Record<string, unknown>
      const keys = Object.keys(obj)
      const values: Node[] = []
      for (const key of keys) values.push(convert(obj[key], levels - 1, ctx, false))
      doc._children = SortedMap.from(keys, values)
      return doc
    }
  } finally {
    ctx.ancestors.delete(v)
  }
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name
  throw new InvalidValueError(`a ${typeof name === 'string' ? name : 'non-plain'} object cannot be stored`)
}

/** Container nesting of a node: 0 for a scalar or tombstone. */
export function depthOf(node: Node): number {
  if (node instanceof Doc) {
    let max = 0
    node._children.forEach((child) => {
      max = Math.max(max, depthOf(child))
    })
    return max + 1
  }
  if (node instanceof List) {
    let max = 0
    for (const item of node._items) max = Math.max(max, depthOf(item.value))
    return max + 1
  }
  return 0
}

/** A deep copy; positions are immutable and shared. */
export function cloneNode(node: Node): Node {
  if (node instanceof Doc) {
    const doc = new Doc()
    doc._replace = node._replace
    doc._origin = node._origin
    doc._children = node._children.map(cloneNode)
    return doc
  }
  if (node instanceof List) {
    const list = new List()
    list._replace = node._replace
    list._origin = node._origin
    for (const item of node._items) list._items.push({ pos: item.pos, value: cloneNode(item.value) })
    list._invalidate()
    return list
  }
  return node
}

/**
 * Lays `b` over `a` and returns the result. `a` is owned by the caller and
 * may be changed and returned; `b` is only read (whatever is taken from it
 * is copied). Cost: O(size of b) plus lookups in `a`.
 */
export function lay(a: Node | undefined, b: Node): Node {
  if (b instanceof Doc) {
    if (b._replace || a === undefined) return cloneNode(b)
    if (!(a instanceof Doc)) {
      const copy = cloneNode(b) as Doc
      copy._replace = true
      return copy
    }
    let into = a._children
    b._children.forEach((v, k) => {
      // A scalar or tombstone wins whatever is below: no lookup in `a` (often a large Doc).
      into = into.set(k, v instanceof Doc || v instanceof List ? lay(into.get(k), v) : v)
    })
    a._children = into
    return a
  }
  if (b instanceof List) {
    if (b._replace || a === undefined) return cloneNode(b)
    if (!(a instanceof List)) {
      const copy = cloneNode(b) as List
      copy._replace = true
      return copy
    }
    layItems(a, b._items)
    return a
  }
  return b
}

/**
 * Lays `b` over `a` like {@link lay}, but changes nothing that exists: the
 * result is a new node that shares every part of `a` the change does not
 * reach (a Doc's children are a persistent map, so a Doc with a million keys
 * is copied along one path of its tree per key changed). Lists on the way
 * are copied (their item array). `b` is only read, and whatever is taken
 * from it is copied. For immutable values, such as kept store states.
 * Cost: O(size of b × log(size of a)).
 */
export function layShared(a: Node | undefined, b: Node): Node {
  if (b instanceof Doc) {
    if (b._replace || a === undefined) return cloneNode(b)
    if (!(a instanceof Doc)) {
      const copy = cloneNode(b) as Doc
      copy._replace = true
      return copy
    }
    let into = a._children
    b._children.forEach((v, k) => {
      into = into.set(k, v instanceof Doc || v instanceof List ? layShared(into.get(k), v) : v)
    })
    if (into === a._children) return a
    const out = new Doc()
    out._children = into
    out._replace = a._replace
    out._origin = a._origin
    return out
  }
  if (b instanceof List) {
    if (b._replace || a === undefined) return cloneNode(b)
    if (!(a instanceof List)) {
      const copy = cloneNode(b) as List
      copy._replace = true
      return copy
    }
    const out = new List()
    out._items = layItemsShared(a._items, b._items)
    out._replace = a._replace
    out._origin = a._origin
    out._invalidate()
    return out
  }
  return b
}

/** Union by position into a new array; items of `mine` are shared, or replaced by new ones where the values are laid. */
function layItemsShared(mine: readonly Item[], items: readonly Item[]): Item[] {
  return unionItems(mine as Item[], items, false, (x, y) => ({ pos: x.pos, value: layShared(x.value, y.value) }))
}

/**
 * Union by position of the sorted `mine` and `items`: an item of `items`
 * at a new position is copied in, one at a position of `mine` is combined
 * with it by `both`. Few items into many are spliced in (into `mine`
 * itself when `inPlace`, else into a copy); otherwise the two are merged
 * into a new array.
 */
function unionItems(mine: Item[], items: readonly Item[], inPlace: boolean, both: (x: Item, y: Item) => Item): Item[] {
  if (items.length * 16 < mine.length) {
    const out = inPlace ? mine : mine.slice()
    for (const item of items) {
      const j = search(out, item)
      const hit = out[j]
      if (hit !== undefined && comparePositions(hit.pos, item.pos) === 0) out[j] = both(hit, item)
      else out.splice(j, 0, { pos: item.pos, value: cloneNode(item.value) })
    }
    return out
  }
  const out: Item[] = []
  let i = 0
  let j = 0
  while (i < mine.length || j < items.length) {
    const x = mine[i]
    const y = items[j]
    const c = x === undefined ? 1 : y === undefined ? -1 : comparePositions(x.pos, y.pos)
    if (c < 0) {
      out.push(x!)
      i++
    } else if (c > 0) {
      out.push({ pos: y!.pos, value: cloneNode(y!.value) })
      j++
    } else {
      out.push(both(x!, y!))
      i++
      j++
    }
  }
  return out
}

/**
 * The change from `base` to `next`: a node `d` with `lay(base, d)` equal
 * to `next`, holding only what differs; `undefined` when nothing does.
 * Precondition: `next` came from `base` by edits and merges, so it keeps
 * every key and list position of `base` (deletes leave tombstones).
 * Containers of the same kind and flag diff into flag-less containers of
 * the changed parts, which merge into whatever a later state holds there.
 */
export function diffNode(base: Node | undefined, next: Node): Node | undefined {
  if (base === undefined) return cloneNode(next)
  if (next instanceof Doc) {
    if (!(base instanceof Doc) || replaced(base, next)) return cloneNode(next)
    for (const k of base._children.keys()) if (!next._children.has(k)) return cloneNode(next)
    const keys: string[] = []
    const values: Node[] = []
    next._children.forEach((v, k) => {
      const d = diffNode(base._children.get(k), v)
      if (d !== undefined) {
        keys.push(k)
        values.push(d)
      }
    })
    if (keys.length === 0) return undefined
    const out = new Doc()
    out._children = SortedMap.from(keys, values)
    return out
  }
  if (next instanceof List) {
    if (!(base instanceof List) || replaced(base, next)) return cloneNode(next)
    const out = new List()
    const old = base._items
    let j = 0
    for (const item of next._items) {
      // An item of base that next lacks: next is not an edit of base.
      if (j < old.length && comparePositions((old[j] as Item).pos, item.pos) < 0) return cloneNode(next)
      const hit = old[j]
      const same = hit !== undefined && comparePositions(hit.pos, item.pos) === 0
      if (same) j++
      const d = diffNode(same ? hit.value : undefined, item.value)
      if (d !== undefined) out._items.push({ pos: item.pos, value: d })
    }
    if (j < old.length) return cloneNode(next)
    out._invalidate()
    return out._items.length === 0 ? undefined : out
  }
  return base === next ? undefined : next
}

/**
 * Whether `next` is not an in-place edit of `base`: the flags differ, or a
 * flagged container of another origin took its place (a `set`, or a merge
 * that laid a `set` value there).
 */
const replaced = (base: Doc | List, next: Doc | List): boolean =>
  base._replace !== next._replace || (next._replace && base._origin !== next._origin)

/** Union by position into `a`; the same position → the values are laid. */
function layItems(a: List, items: readonly Item[]): void {
  a._items = unionItems(a._items, items, true, (x, y) => {
    x.value = lay(x.value, y.value)
    return x
  })
  a._invalidate()
}

/** Index of the first item whose position is not below `item`'s. */
export function search(items: readonly Item[], item: Pick<Item, 'pos'>): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (comparePositions((items[mid] as Item).pos, item.pos) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Structural equality, including tombstones, replace flags and positions. */
export function equalNodes(a: Node, b: Node): boolean {
  if (a instanceof Doc) {
    if (!(b instanceof Doc) || a._replace !== b._replace || a._children.size !== b._children.size) return false
    for (const [k, v] of a._children) {
      const w = b._children.get(k)
      if (w === undefined || !equalNodes(v, w)) return false
    }
    return true
  }
  if (a instanceof List) {
    if (!(b instanceof List) || a._replace !== b._replace || a._items.length !== b._items.length) return false
    for (let i = 0; i < a._items.length; i++) {
      const x = a._items[i] as Item
      const y = b._items[i] as Item
      if (comparePositions(x.pos, y.pos) !== 0 || !equalNodes(x.value, y.value)) return false
    }
    return true
  }
  return a === b
}

/** The plain value of a live node (never called on the tombstone). */
export function toPlain(node: Node): JsonValue {
  if (node instanceof Doc) return node.toJSON()
  if (node instanceof List) return node.toJSON()
  return node as JsonValue
}

/** Sets `obj[key]`, also for the key `__proto__` (which `=` would not store). */
export function defineKey(obj: { [k: string]: JsonValue }, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
  else obj[key] = value
}
