/**
 * @module
 * `Table<T>` (`table:v1`): rows under random uuid v4 ids.
 */
import type { Doc, JsonValue } from '../crdt/index.js'
import { Store } from './base.js'
import { docCrdt } from './doc-crdt.js'
import { stagedTouches, withStagedKey } from './doc-store.js'

/**
 * A store of rows keyed by uuid v4 (data-layer §4.5, API.md). Rows are
 * JSON-like values written with replace semantics: `set` replaces the row.
 */
export class Table<T> extends Store<Doc> {
  static readonly typeId: string = 'table:v1'
  static readonly crdt = docCrdt

  /** Adds a row under a new uuid v4 and returns the id. @throws InvalidValueError; ReadOnlyError. */
  async insert(row: T): Promise<string> {
    const id = globalThis.crypto.randomUUID()
    this.stage().set(id, row as JsonValue)
    return id
  }

  /** The row, or `undefined` for an unknown id. */
  async get(id: string): Promise<T | undefined> {
    if (typeof id !== 'string') throw new TypeError('id must be a string')
    const staged = this.staged()
    const state = stagedTouches(staged, id) ? withStagedKey(await this.committed(), staged!, id) : await this.committed()
    return state.get(id) as T | undefined
  }

  /** Replaces (or creates) the row under `id`. @throws InvalidValueError; ReadOnlyError. */
  async set(id: string, row: T): Promise<void> {
    if (typeof id !== 'string') throw new TypeError('id must be a string')
    this.stage().set(id, row as JsonValue)
  }

  /** Deletes the row; an unknown id is a no-op. Returns whether a row was deleted. @throws ReadOnlyError. */
  async delete(id: string): Promise<boolean> {
    if ((await this.get(id)) === undefined) {
      this.stage() // still a write: a view refuses it, a closed transaction too
      return false
    }
    this.stage().delete(id)
    return true
  }

  /** Every `[id, row]` whose row matches `predicate`, ordered by id. */
  async search(predicate: (row: T, id: string) => boolean): Promise<[string, T][]> {
    if (typeof predicate !== 'function') throw new TypeError('predicate must be a function')
    return (await this.entries()).filter(([id, row]) => predicate(row, id))
  }

  /** Every `[id, row]`, ordered by id. */
  async entries(): Promise<[string, T][]> {
    const all = (await this.current()).toJSON()
    return Object.keys(all)
      .sort()
      .map((id) => [id, all[id] as T])
  }

  /** Number of rows. */
  async size(): Promise<number> {
    return (await this.current()).keys().length
  }
}
