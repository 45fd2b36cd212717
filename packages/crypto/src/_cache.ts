/**
 * @module
 * A small bounded map with least-recently-used eviction (internal). Used to
 * keep imported public keys: the same few keys verify thousands of entries,
 * and importing is the slow part of a native verify (DECISIONS 5: caches
 * are bounded).
 */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>()
  constructor(readonly limit: number) {}

  get size(): number {
    return this.#map.size
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key)
    if (value !== undefined) {
      // Map iterates in insertion order: re-inserting marks it most recent.
      this.#map.delete(key)
      this.#map.set(key, value)
    }
    return value
  }

  set(key: K, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.limit) this.#map.delete(this.#map.keys().next().value as K)
  }
}

/** A compact string key for up to a few dozen bytes (one char per byte). */
export function bytesKey(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[])
}
