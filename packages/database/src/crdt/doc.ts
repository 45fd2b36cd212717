/**
 * @module
 * `Doc`: the nested CRDT document each DocStore (and the settings) holds.
 *
 * A Doc maps string keys to values: null, boolean, finite number, string,
 * nested Doc, List, or the tombstone a `delete` leaves. `a.merge(b)` lays
 * b over a (see `node.ts` for the rule); it is associative and idempotent
 * but not commutative: replicas converge because every replica folds the
 * same entries in the one DAG order (DECISIONS 3).
 */
import { decodeDoc, encodeDoc } from './codec.js'
import { InvalidValueError } from './errors.js'
import { List } from './list.js'
import { SortedMap } from './sorted-map.js'
import {
  MAX_DEPTH,
  TOMBSTONE,
  cloneNode,
  defineKey,
  diffNode,
  equalNodes,
  fromUser,
  lay,
  newOrigin,
  toPlain,
  type JsonValue,
  type Node,
} from './node.js'

/** A value `set` accepts: plain JSON, or a Doc/List (stored as a copy). */
export type DocValue = JsonValue | Doc | List

function assertKey(key: unknown): string {
  if (typeof key !== 'string') throw new TypeError(`key must be a string, got ${typeof key}`)
  return key
}

/**
 * Splits a path on `.`, dropping empty segments (`'a..b'` is `a.b`).
 * @throws InvalidValueError (INVALID_VALUE) when no segment is left
 */
export function splitPath(path: unknown): string[] {
  if (typeof path !== 'string') throw new TypeError(`path must be a string, got ${typeof path}`)
  const segments = path.split('.').filter((s) => s !== '')
  if (segments.length === 0) throw new InvalidValueError(`path ${JSON.stringify(path)} has no segment`)
  return segments
}

/** A write path: at most MAX_DEPTH segments, so the Doc stays decodable. */
function checkedPath(path: unknown): string[] {
  const segments = splitPath(path)
  if (segments.length > MAX_DEPTH) throw new InvalidValueError(`path is deeper than ${MAX_DEPTH} levels`)
  return segments
}

const INDEX_RE = /^(?:0|[1-9][0-9]*)$/

/** Walks Docs by key and Lists by live index; `undefined` on a miss or a tombstone. */
function walk(start: Node, segments: readonly string[]): Node | undefined {
  let node: Node | undefined = start
  for (const seg of segments) {
    if (node instanceof Doc) node = node._children.get(seg)
    else if (node instanceof List && INDEX_RE.test(seg)) node = node._liveNode(Number(seg))
    else return undefined
    if (node === TOMBSTONE) return undefined
  }
  return node
}

/**
 * The nested CRDT document.
 *
 * Reads (`get`, `getPath`, `toJSON`, `keys`) return fresh plain values and
 * never show tombstones. `set` replaces what was at a key, also through a
 * later merge over older state; `setPath` changes one leaf, so concurrent
 * `setPath`s to different leaves of one object both survive.
 *
 * @example
 * ```ts
 * const a = new Doc().set('user', { name: 'Ada', langs: ['en'] })
 * const b = new Doc().setPath('user.city', 'London')
 * a.merge(b).toJSON() // { user: { name: 'Ada', langs: ['en'], city: 'London' } }
 * ```
 */
export class Doc {
  /** @internal key → node, persistent (see `sorted-map.ts`): replaced on change, never changed */
  _children: SortedMap<Node> = SortedMap.empty()
  /** @internal "does not inherit from what is below" (see `node.ts`) */
  _replace = false
  /** @internal in-memory lineage tag (see `newOrigin`) */
  _origin = newOrigin()

  /**
   * A Doc whose top-level keys are each `set` (replace semantics).
   * @throws InvalidValueError (INVALID_VALUE) for a non-plain object or a bad value inside
   */
  static fromJSON(obj: { [k: string]: JsonValue }): Doc {
    const proto: unknown = typeof obj === 'object' && obj !== null ? Object.getPrototypeOf(obj) : undefined
    if (Array.isArray(obj) || (proto !== Object.prototype && proto !== null)) {
      throw new InvalidValueError('Doc.fromJSON needs a plain object')
    }
    const node = fromUser(obj, MAX_DEPTH) as Doc
    node._replace = false
    node._children.forEach((v) => {
      if (v instanceof Doc || v instanceof List) v._replace = true
    })
    return node
  }

  /**
   * Parses `encode()` text.
   * @throws CorruptDataError (CORRUPT_DATA) for anything but a canonical Doc encoding
   *   (including nesting deeper than 256 levels)
   */
  static decode(text: string): Doc {
    return decodeDoc(text)
  }

  /** The plain value at `key`; `undefined` when absent or deleted. */
  get(key: string): JsonValue | undefined {
    const node = this._children.get(assertKey(key))
    return node === undefined || node === TOMBSTONE ? undefined : toPlain(node)
  }

  /**
   * The plain value at a dotted path: Docs by key, Lists by live index
   * (`'tags.0'`); `undefined` when absent or when a tombstone is on the way.
   * @throws InvalidValueError (INVALID_VALUE) for an empty path
   */
  getPath(path: string): JsonValue | undefined {
    const node = walk(this, splitPath(path))
    return node === undefined ? undefined : toPlain(node)
  }

  /** Whether `key` holds a live (non-deleted) value. */
  has(key: string): boolean {
    const node = this._children.get(assertKey(key))
    return node !== undefined && node !== TOMBSTONE
  }

  /** Whether `key` holds a tombstone. */
  isTombstone(key: string): boolean {
    return this._children.get(assertKey(key)) === TOMBSTONE
  }

  /**
   * Replaces the value at `key` (a literal key: dots are not split). An
   * object or array becomes a nested Doc or List that, merged later over
   * older state, replaces what was there instead of merging into it.
   * @throws InvalidValueError (INVALID_VALUE) before changing anything
   */
  set(key: string, value: DocValue): this {
    assertKey(key)
    this._children = this._children.set(key, fromUser(value, MAX_DEPTH - 1))
    return this
  }

  /**
   * Sets one leaf at a dotted path, creating nested Docs on the way (a
   * scalar, tombstone or List on the way is replaced by a Doc). Other
   * leaves of the objects on the way are kept, also through merges.
   * @throws InvalidValueError (INVALID_VALUE) for a bad value or an empty path
   */
  setPath(path: string, value: DocValue): this {
    const segments = checkedPath(path)
    const node = fromUser(value, MAX_DEPTH - segments.length)
    const parent = this._parentFor(segments)
    parent._children = parent._children.set(segments[segments.length - 1] as string, node)
    return this
  }

  /** Deletes `key` (a literal key): writes a tombstone, even where nothing was. */
  delete(key: string): this {
    this._children = this._children.set(assertKey(key), TOMBSTONE)
    return this
  }

  /**
   * Writes a tombstone at a dotted path. Like `setPath`, it creates nested
   * Docs on the way (replacing a scalar there), because in a change set the
   * objects on the way are usually not present yet.
   * @throws InvalidValueError (INVALID_VALUE) for an empty path
   */
  deletePath(path: string): this {
    const segments = checkedPath(path)
    const parent = this._parentFor(segments)
    parent._children = parent._children.set(segments[segments.length - 1] as string, TOMBSTONE)
    return this
  }

  /** Live keys, sorted by UTF-16 code units. */
  keys(): string[] {
    // The children are kept sorted.
    const out: string[] = []
    this._children.forEach((v, k) => {
      if (v !== TOMBSTONE) out.push(k)
    })
    return out
  }

  /** The live content as a plain object (fresh each call). */
  toJSON(): { [k: string]: JsonValue } {
    const out: { [k: string]: JsonValue } = {}
    this._children.forEach((v, k) => {
      if (v !== TOMBSTONE) defineKey(out, k, toPlain(v))
    })
    return out
  }

  /** The live nested Doc node at `key` (not a copy), if that is what `key` holds. */
  getDoc(key: string): Doc | undefined {
    const node = this._children.get(assertKey(key))
    return node instanceof Doc ? node : undefined
  }

  /**
   * The live List node at a dotted path (not a copy), for editing in place:
   * `doc.getList('tags')?.push('x')`. Walks like `getPath`.
   * @throws InvalidValueError (INVALID_VALUE) for an empty path
   */
  getList(path: string): List | undefined {
    const node = walk(this, splitPath(path))
    return node instanceof List ? node : undefined
  }

  /** A new Doc: `other` laid over this one. Neither input changes. */
  merge(other: Doc): Doc {
    return this.clone().absorb(other)
  }

  /**
   * Lays `other` over this Doc in place (`this = this.merge(other)`), in
   * O(size of other): this Doc is not copied, and nothing of `other` is
   * shared with it afterwards. `other` must not be a node inside this Doc
   * (from `getDoc`); use `merge`, or absorb a `clone()` of it.
   */
  absorb(other: Doc): this {
    if (!(other instanceof Doc)) throw new TypeError('absorb needs a Doc')
    if (other === this) return this // idempotent
    const result = lay(this, other) as Doc
    if (result !== this) {
      this._children = result._children
      this._replace = result._replace
      this._origin = result._origin
    }
    return this
  }

  /**
   * The changes that turn `base` into this Doc, as a Doc to merge: for any
   * `base` this Doc was made from by edits and merges,
   * `base.merge(d.diff(base))` equals `d`. Laid over a later state instead,
   * it applies just those changes: parts of objects and lists that were
   * edited in place merge key by key and position by position, so
   * concurrent list inserts made on copies of one state all survive.
   *
   * @example
   * ```ts
   * const base = new Doc().set('todo', ['a'])
   * const x = base.clone(); x.getList('todo')!.push('b')
   * const y = base.clone(); y.getList('todo')!.push('c')
   * base.merge(x.diff(base)).merge(y.diff(base)).get('todo') // ['a', 'b', 'c'] (b, c in id order)
   * ```
   */
  diff(base: Doc): Doc {
    if (!(base instanceof Doc)) throw new TypeError('diff needs a Doc')
    const d = diffNode(base, this)
    return d === undefined ? new Doc() : (d as Doc)
  }

  /** A deep copy. */
  clone(): Doc {
    return cloneNode(this) as Doc
  }

  /** True when the Doc holds no keys at all, not even tombstones. */
  isEmpty(): boolean {
    return this._children.size === 0
  }

  /**
   * The deterministic wire form (sorted keys; tombstones, flags and list
   * positions included): `Doc.decode(d.encode())` equals `d`.
   * @throws InvalidValueError (INVALID_VALUE) when the Doc nests deeper than 256 levels
   *   (possible only by editing nested nodes in place)
   */
  encode(): string {
    return encodeDoc(this)
  }

  /** Structural equality, including tombstones, replace flags and list positions. */
  equals(other: Doc): boolean {
    return equalNodes(this, other)
  }

  /** The Doc that will hold the leaf of `segments`, made on the way as needed. */
  private _parentFor(segments: readonly string[]): Doc {
    let doc: Doc = this
    for (let i = 0; i < segments.length - 1; i++) {
      const seg = segments[i] as string
      const child = doc._children.get(seg)
      if (child instanceof Doc) {
        doc = child
        continue
      }
      const made = new Doc()
      // Over a scalar/tombstone/List nothing below survives: the same flag
      // that laying a path-only Doc over it gives (see node.ts).
      made._replace = child !== undefined
      doc._children = doc._children.set(seg, made)
      doc = made
    }
    return doc
  }
}
