/**
 * @module
 * `DocStore` (`docstore:v1`): a nested document of JSON-like values.
 */
import { Doc, InvalidValueError, List, type JsonValue } from '../crdt/index.js'
import { splitPath } from '../crdt/doc.js'
import { layShared, type Node } from '../crdt/node.js'
import { Store } from './base.js'
import { docCrdt } from './doc-crdt.js'

/** Whether the staged delta says anything about `key`. */
export function stagedTouches(staged: Doc | undefined, key: string): boolean {
  return staged !== undefined && (staged.has(key) || staged.isTombstone(key))
}

/**
 * The committed state with only what the staged delta holds at `key` laid
 * over it: reads of `key` (and paths below it) see the transaction's own
 * writes, in O(size of that value × log(size of the store)) — the rest of
 * the staged delta is not merged, and the committed state is not copied.
 */
export function withStagedKey(committed: Doc, staged: Doc, key: string): Doc {
  const one = new Doc()
  one._replace = staged._replace
  const node = staged._children.get(key)
  if (node !== undefined) one._children = one._children.set(key, node)
  return layShared(committed, one) as Doc
}

/** The first segment of a dotted path (empty segments dropped). */
export function firstSegment(path: string): string {
  for (const seg of path.split('.')) if (seg !== '') return seg
  return ''
}

/**
 * Whether the way to the leaf of `segments` (every segment but the last)
 * runs through a List in the current state: the committed state with the
 * staged delta over it. A staged value that is not an in-place edit (a
 * flagged Doc from `set`, a scalar, a tombstone) hides what is committed below.
 */
function wayCrossesList(committed: Doc, staged: Doc | undefined, segments: readonly string[]): boolean {
  let c: Node | undefined = committed
  let s: Node | undefined = staged
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i] as string
    s = s instanceof Doc ? s._children.get(seg) : undefined
    c = c instanceof Doc ? c._children.get(seg) : undefined
    if (s instanceof List) return true
    if (s !== undefined && !(s instanceof Doc && !s._replace)) c = undefined
    if (c instanceof List) return true
    if (s === undefined && c === undefined) return false
  }
  return false
}

/**
 * A store holding a nested document (data-layer §4.4, API.md). Values: null,
 * boolean, finite number, string, arrays and plain objects of those. `set`
 * replaces what was at a key; `setPath` changes one leaf; `delete` leaves a
 * tombstone. Concurrent writes to one key: the later one in the DAG order wins.
 */
export class DocStore extends Store<Doc> {
  static readonly typeId: string = 'docstore:v1'
  static readonly crdt = docCrdt

  /** The value at `key`, or `undefined`. */
  async get(key: string): Promise<JsonValue | undefined> {
    if (typeof key !== 'string') throw new TypeError('key must be a string')
    const staged = this.staged()
    if (stagedTouches(staged, key)) return withStagedKey(await this.committed(), staged!, key).get(key)
    return (await this.committed()).get(key)
  }

  /** The value at a dotted path (`'a.b.c'`), or `undefined`. */
  async getPath(path: string): Promise<JsonValue | undefined> {
    if (typeof path !== 'string') throw new TypeError('path must be a string')
    const staged = this.staged()
    const key = firstSegment(path)
    if (stagedTouches(staged, key)) return withStagedKey(await this.committed(), staged!, key).getPath(path)
    return (await this.committed()).getPath(path)
  }

  /**
   * Sets `key` to `value`, replacing what was there.
   * @throws InvalidValueError (`INVALID_VALUE`) for a value that is not JSON-like; ReadOnlyError on a view.
   */
  async set(key: string, value: JsonValue): Promise<void> {
    if (typeof key !== 'string') throw new TypeError('key must be a string')
    this.stage().set(key, value)
  }

  /**
   * Sets one leaf at a dotted path, creating objects on the way (a scalar on
   * the way is replaced). A path through a list (`'tags.1'` where `tags` is
   * an array) is refused: read the array and `set` it whole.
   * @throws InvalidValueError (`INVALID_VALUE`) for a bad value, an empty path or a path through a list, before anything is staged; ReadOnlyError.
   */
  async setPath(path: string, value: JsonValue): Promise<void> {
    if (typeof path !== 'string') throw new TypeError('path must be a string')
    await this.#refuseListOnTheWay(path)
    this.stage().setPath(path, value)
  }

  /** Deletes `key` (a tombstone; a later write revives it). @throws ReadOnlyError. */
  async delete(key: string): Promise<void> {
    if (typeof key !== 'string') throw new TypeError('key must be a string')
    this.stage().delete(key)
  }

  /**
   * Deletes the leaf at a dotted path.
   * @throws InvalidValueError (`INVALID_VALUE`) for an empty path or a path through a list; ReadOnlyError.
   */
  async deletePath(path: string): Promise<void> {
    if (typeof path !== 'string') throw new TypeError('path must be a string')
    await this.#refuseListOnTheWay(path)
    this.stage().deletePath(path)
  }

  async #refuseListOnTheWay(path: string): Promise<void> {
    const segments = splitPath(path)
    if (segments.length < 2) return
    if (wayCrossesList(await this.committed(), this.staged(), segments))
      throw new InvalidValueError(`path "${path.slice(0, 200)}" runs through a list: read the array and set it whole`)
  }

  /** Whether `key` holds a live value. */
  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined
  }

  /** Live keys, sorted. */
  async keys(): Promise<string[]> {
    return (await this.current()).keys()
  }

  /** Every live key and value as a plain object. */
  async getAll(): Promise<{ [k: string]: JsonValue }> {
    return (await this.current()).toJSON()
  }

  /** The whole document as a plain nested object. */
  async toJSON(): Promise<{ [k: string]: JsonValue }> {
    return (await this.current()).toJSON()
  }
}
