/**
 * @module
 * Commits in flight over one backend, so that an identical commit (the same
 * id) waits for the one being stored instead of storing it again. Kept in
 * the engine's per-backend shared state.
 */
import type { Id } from '@engram/backend-api'

/** A commit being stored: its id, and (made when another commit waits for it) a promise that settles when it stored it or failed. */
export interface Claim {
  readonly id: Id
  done: Promise<void> | undefined
  end: (() => void) | undefined
}

/**
 * Commits being stored over one backend (every Engine over it). Sequential
 * commits have at most one in flight: it takes the single slot (no Map
 * insert and delete, no promise unless another commit waits for it).
 */
export class InflightCommits {
  #one: Claim | undefined
  /** Claims made while the slot was taken. */
  #more: Map<Id, Claim> | undefined

  find(id: Id): Claim | undefined {
    const one = this.#one
    if (one !== undefined && one.id === id) return one
    const more = this.#more
    return more === undefined || more.size === 0 ? undefined : more.get(id)
  }

  /** Claims `id` (the caller found no claim of it). */
  claim(id: Id): Claim {
    const claim: Claim = { id, done: undefined, end: undefined }
    if (this.#one === undefined) this.#one = claim
    else (this.#more ??= new Map()).set(id, claim)
    return claim
  }

  release(claim: Claim): void {
    if (this.#one === claim) this.#one = undefined
    else this.#more?.delete(claim.id)
    claim.end?.()
  }
}

/** Settles when `claim` is released. */
export function released(claim: Claim): Promise<void> {
  return (claim.done ??= new Promise<void>((resolve) => (claim.end = resolve)))
}
