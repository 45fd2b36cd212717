/**
 * @module
 * A memo of small values derived from a store state, keyed by the tips that
 * name the state (ids are content hashes, so such a value never goes stale)
 * and a name. Two-level maps keep the hot path free of string building; the
 * memo is cleared when it grows past its bound.
 */
import type { Id } from '@engram/backend-api'

/** Values derived from the state at some tips, per name. */
export class TipsMemo<V> {
  readonly #outer = new Map<string, Map<string, V>>()
  readonly #limit: number

  constructor(limit = 2048) {
    this.#limit = limit
  }

  static #key(tree: Id, tips: readonly Id[]): string {
    if (tips.length === 1) return tips[0]!
    if (tips.length === 0) return `${tree}#`
    return tips.join(',')
  }

  /** `cutKey`: the key of the revocation cut the state was folded under (`''`: none). */
  get(tree: Id, tips: readonly Id[], name: string, cutKey = ''): V | undefined {
    return this.#outer.get(TipsMemo.#key(tree, tips))?.get(cutKey === '' ? name : `${name}\u0001${cutKey}`)
  }

  set(tree: Id, tips: readonly Id[], name: string, value: V, cutKey = ''): void {
    const key = TipsMemo.#key(tree, tips)
    let inner = this.#outer.get(key)
    if (inner === undefined) {
      if (this.#outer.size >= this.#limit) this.#outer.clear()
      this.#outer.set(key, (inner = new Map()))
    }
    inner.set(cutKey === '' ? name : `${name}\u0001${cutKey}`, value)
  }
}
