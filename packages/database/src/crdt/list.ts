/**
 * @module
 * `List`: an ordered CRDT sequence inside a Doc.
 *
 * Items sit at unique positions in a dense order (`position.ts`); removing
 * an item leaves a tombstone at its position, so a merge cannot bring it
 * back by accident. Merging two lists is the union by position; the same
 * position on both sides merges the two values (the later one laid over).
 * Indexes in this API always count live items only.
 */
import { Doc } from './doc.js'
import {
  MAX_DEPTH,
  TOMBSTONE,
  cloneNode,
  diffNode,
  equalNodes,
  fromUser,
  lay,
  newOrigin,
  search,
  toPlain,
  type JsonValue,
  type Node,
} from './node.js'
import { boundedBetween, type Position } from './position.js'

/** @internal One slot of a list. */
export interface Item {
  readonly pos: Position
  value: Node
}

/** A value list operations accept: plain JSON, or a Doc/List (stored as a copy). */
export type ListValue = JsonValue | Doc | List

function assertIndex(index: unknown): number {
  if (typeof index !== 'number' || !Number.isInteger(index)) {
    throw new TypeError(`index must be an integer, got ${String(index)}`)
  }
  return index
}

function outOfRange(index: number, length: number, max: number): never {
  throw new RangeError(`index ${index} is out of range 0..${max} (length ${length})`)
}

/**
 * An ordered list of values with stable, mergeable positions.
 *
 * @example
 * ```ts
 * const base = new List().push('a').push('c')
 * const x = base.clone().insert(1, 'b')
 * const y = base.clone().push('d')
 * base.merge(x).merge(y).toJSON() // ['a', 'b', 'c', 'd']
 * ```
 */
export class List {
  /** @internal all items, tombstones included, sorted by position */
  _items: Item[] = []
  /** @internal "does not inherit from what is below" (see `node.ts`) */
  _replace = false
  /** @internal in-memory lineage tag (see `newOrigin`) */
  _origin = newOrigin()
  /** Indexes into `_items` of the live items; `null` = to be rebuilt. */
  private _liveCache: number[] | null = []

  /**
   * A list holding `values` in order.
   * @throws InvalidValueError (INVALID_VALUE)
   */
  static fromJSON(values: readonly ListValue[]): List {
    if (!Array.isArray(values)) throw new TypeError('List.fromJSON needs an array')
    const list = new List()
    for (const v of values) list.push(v)
    return list
  }

  /** Number of live items. */
  get length(): number {
    return this._live().length
  }

  /** The plain value of live item `index`; `undefined` when out of range. */
  get(index: number): JsonValue | undefined {
    const node = this._liveNode(assertIndex(index))
    return node === undefined ? undefined : toPlain(node)
  }

  /** The live nested Doc node at `index` (not a copy), if the item is one. */
  getDoc(index: number): Doc | undefined {
    const node = this._liveNode(assertIndex(index))
    return node instanceof Doc ? node : undefined
  }

  /** The live nested List node at `index` (not a copy), if the item is one. */
  getList(index: number): List | undefined {
    const node = this._liveNode(assertIndex(index))
    return node instanceof List ? node : undefined
  }

  /**
   * Appends after every item (tombstones included).
   * @throws InvalidValueError (INVALID_VALUE), also when the last position is at the limits
   */
  push(value: ListValue): this {
    const node = fromUser(value, MAX_DEPTH - 1)
    const last = this._items[this._items.length - 1]
    this._items.push({ pos: boundedBetween(last === undefined ? null : last.pos, null), value: node })
    this._liveCache?.push(this._items.length - 1)
    return this
  }

  /**
   * Inserts so that the value becomes live item `index`, at a new position
   * between the live items `index - 1` and `index`.
   * @throws RangeError unless 0 <= index <= length; InvalidValueError (INVALID_VALUE)
   */
  insert(index: number, value: ListValue): this {
    const live = this._live()
    assertIndex(index)
    if (index < 0 || index > live.length) outOfRange(index, live.length, live.length)
    const node = fromUser(value, MAX_DEPTH - 1)
    const left = index > 0 ? this._items[live[index - 1] as number] : undefined
    const right = index < live.length ? this._items[live[index] as number] : undefined
    const item: Item = { pos: boundedBetween(left?.pos ?? null, right?.pos ?? null), value: node }
    const at = search(this._items, item)
    this._items.splice(at, 0, item)
    // Keep the live index: items from `at` on moved up by one.
    for (let i = index; i < live.length; i++) live[i] = (live[i] as number) + 1
    live.splice(index, 0, at)
    return this
  }

  /**
   * Replaces the value of live item `index` (its position stays).
   * @throws RangeError unless 0 <= index < length; InvalidValueError (INVALID_VALUE)
   */
  set(index: number, value: ListValue): this {
    const item = this._liveItem(index)
    item.value = fromUser(value, MAX_DEPTH - 1)
    return this
  }

  /**
   * Removes live item `index`: its position keeps a tombstone.
   * @throws RangeError unless 0 <= index < length
   */
  remove(index: number): this {
    this._liveItem(index).value = TOMBSTONE
    this._invalidate()
    return this
  }

  /** The live values as a plain array (fresh each call). */
  toJSON(): JsonValue[] {
    const out: JsonValue[] = []
    for (const item of this._items) if (item.value !== TOMBSTONE) out.push(toPlain(item.value))
    return out
  }

  /** A new List: `other` laid over this one (union by position). Neither input changes. */
  merge(other: List): List {
    return this.clone().absorb(other)
  }

  /**
   * Lays `other` over this List in place, copying what it takes from
   * `other` (which must not be a node inside this List; see `Doc.absorb`).
   */
  absorb(other: List): this {
    if (!(other instanceof List)) throw new TypeError('absorb needs a List')
    if (other === this) return this // idempotent
    const result = lay(this, other) as List
    if (result !== this) {
      this._items = result._items
      this._replace = result._replace
      this._origin = result._origin
      this._invalidate()
    }
    return this
  }

  /**
   * The changes that turn `base` into this List (new items, changed and
   * removed ones), as a List to merge; see `Doc.diff`.
   */
  diff(base: List): List {
    if (!(base instanceof List)) throw new TypeError('diff needs a List')
    const d = diffNode(base, this)
    return d === undefined ? new List() : (d as List)
  }

  /** A deep copy (same positions). */
  clone(): List {
    return cloneNode(this) as List
  }

  /** Structural equality, including tombstones, flags and positions. */
  equals(other: List): boolean {
    return equalNodes(this, other)
  }

  /** @internal forget the live index after a change of `_items` */
  _invalidate(): void {
    this._liveCache = null
  }

  /** @internal the node of live item `index`, or `undefined` */
  _liveNode(index: number): Node | undefined {
    const at = this._live()[index]
    return at === undefined ? undefined : (this._items[at] as Item).value
  }

  private _liveItem(index: number): Item {
    const live = this._live()
    assertIndex(index)
    const at = live[index]
    if (at === undefined || index < 0) return outOfRange(index, live.length, live.length - 1)
    return this._items[at] as Item
  }

  private _live(): number[] {
    if (this._liveCache === null) {
      const live: number[] = []
      const items = this._items
      for (let i = 0; i < items.length; i++) if ((items[i] as Item).value !== TOMBSTONE) live.push(i)
      this._liveCache = live
    }
    return this._liveCache
  }
}
