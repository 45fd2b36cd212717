/**
 * @module
 * The queue of a walk down a DAG from its top: entries come out highest
 * tree height first (equal heights: smallest id first), so an entry is
 * taken only after every queued entry above it. Used by the LCA and path
 * walks here, and by sync's walk for the entries a peer lacks.
 */
import type { Id } from '../entry.js'

/** A max-heap of entries on (height, then smallest id first). */
export class TopDownHeap {
  private readonly items: { id: Id; h: number }[] = []
  get size(): number {
    return this.items.length
  }
  private before(a: { id: Id; h: number }, b: { id: Id; h: number }): boolean {
    return a.h > b.h || (a.h === b.h && a.id < b.id)
  }
  push(id: Id, h: number): void {
    const items = this.items
    items.push({ id, h })
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(items[i]!, items[parent]!)) break
      ;[items[i], items[parent]] = [items[parent]!, items[i]!]
      i = parent
    }
  }
  /** The highest entry, removed. The heap must not be empty. */
  pop(): { id: Id; h: number } {
    const items = this.items
    const top = items[0]!
    const last = items.pop()!
    if (items.length > 0) {
      items[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let best = i
        if (l < items.length && this.before(items[l]!, items[best]!)) best = l
        if (r < items.length && this.before(items[r]!, items[best]!)) best = r
        if (best === i) break
        ;[items[i], items[best]] = [items[best]!, items[i]!]
        i = best
      }
    }
    return top
  }
}
