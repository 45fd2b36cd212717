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
