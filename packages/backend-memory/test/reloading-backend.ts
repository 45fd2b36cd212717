/**
 * A Backend wrapper for the conformance kit's second run: every read first
 * saves the wrapped MemoryBackend to a snapshot and loads it back (when
 * something changed since the last round trip), so every conformance query is
 * answered by a backend restored from a file — except in states that load
 * refuses by design (statuses that contradict the DAG, which only a direct
 * backend caller can make).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Backend, Entry, Id, VerificationStatus } from '@engram/backend-api'
import { MemoryBackend } from '../src/index.js'
import { checkConsistency } from '../src/snapshot-format.js'

/** Whether snapshot text holds statuses that contradict the DAG (what load refuses besides real corruption). */
function inconsistent(text: string): boolean {
  const doc = JSON.parse(text) as { entries: Record<Id, { entry: Entry; status: VerificationStatus }> }
  return checkConsistency(new Map(Object.entries(doc.entries))) !== undefined
}

const MUTATING = new Set(['put', 'insert', 'setStatus', 'putLocalKey', 'deleteLocalKey', 'setMetadata'])

export interface Reloading {
  backend: Backend
  /** How many save → load round trips happened. */
  reloads(): number
  dispose(): Promise<void>
}

export async function createReloading(): Promise<Reloading> {
  const dir = await mkdtemp(join(tmpdir(), 'engram-reload-'))
  const file = join(dir, 'snapshot.json')
  let inner = new MemoryBackend()
  let dirty = false
  let pending: Promise<void> = Promise.resolve()
  let count = 0

  const roundTrip = async (): Promise<void> => {
    await pending
    if (!dirty) return
    dirty = false
    pending = (async () => {
      await inner.save(file)
      try {
        inner = await MemoryBackend.load(file)
        count++
      } catch (err) {
        // Some conformance cases put states no engine writes (a verified entry
        // on a missing or failed parent); load refuses those as corrupt by
        // design. Only that refusal is expected: the case goes on without a reload.
        if ((err as { code?: unknown }).code !== 'CORRUPT_SNAPSHOT' || !inconsistent(await readFile(file, 'utf8'))) throw err
      }
    })()
    await pending
  }

  const backend = new Proxy({} as Backend, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined
      if (name === 'then') return undefined // not a thenable
      if (typeof (inner as unknown as Record<string, unknown>)[name] !== 'function') return undefined // only the backend's own methods
      return async (...args: unknown[]) => {
        if (MUTATING.has(name)) {
          await pending
          const result = await (inner as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args)
          dirty = true
          return result
        }
        await roundTrip()
        return (inner as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args)
      }
    },
  })
  return { backend, reloads: () => count, dispose: () => rm(dir, { recursive: true, force: true }) }
}
