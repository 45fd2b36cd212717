/**
 * @module
 * `backendConformance({ name, create, teardown? })` registers one vitest
 * `describe` block; each case gets a fresh backend from `create`.
 */
import { describe } from 'vitest'
import type { Backend } from '../backend.js'
import { registerCases } from './cases.js'

/** How the suite gets backends. */
export interface ConformanceOptions<B extends Backend = Backend> {
  /** Names the `describe` block. */
  name: string
  /** A fresh, empty, isolated backend; called once per case. */
  create: () => Promise<B>
  /** Releases a backend after its case (close files, remove folders). */
  teardown?: (backend: B) => Promise<void>
  /**
   * The optional capabilities the backend has (see `canInsert`, `canWatch`,
   * `hasCheckpoints`); their cases run only when declared, and a case checks
   * that the declaration matches the backend's methods.
   */
  supports?: { insert?: boolean; watch?: boolean; checkpoints?: boolean }
  /**
   * Another, independent handle on the same storage as `backend` (a second
   * connection, as another process would open): for the cases on durability
   * and on seeing other handles' writes. `teardown` releases it (and must
   * leave the storage to `backend`'s own teardown).
   */
  reopen?: (backend: B) => Promise<B>
}

/**
 * Registers the conformance suite for a backend.
 * @example
 * import { backendConformance } from '@engram/backend-api/conformance'
 * backendConformance({ name: 'MemoryBackend', create: async () => new MemoryBackend() })
 */
export function backendConformance<B extends Backend>(options: ConformanceOptions<B>): void {
  describe(`Backend conformance: ${options.name}`, () => {
    registerCases(options)
  })
}
