import { backendConformance } from '@engram/backend-api/conformance'
import type { Backend } from '@engram/backend-api'
import { afterAll, expect } from 'vitest'
import { IndexedDbBackend } from '../src/index.js'
import { createReopening, deleteDatabase, uniqueName, type Reopening } from './helpers.js'

// Handles `create` made own their IndexedDB database; handles `reopen` made only close.
const created = new WeakSet<IndexedDbBackend>()
backendConformance<IndexedDbBackend>({
  name: 'IndexedDbBackend',
  create: async () => {
    const backend = await IndexedDbBackend.open(uniqueName())
    created.add(backend)
    return backend
  },
  teardown: async (backend) => {
    await backend.close()
    if (created.has(backend)) await deleteDatabase(backend.name)
  },
  supports: { insert: true, watch: true },
  reopen: (backend) => IndexedDbBackend.open(backend.name),
})

// The same suite again, every query answered by a backend freshly reopened from IndexedDB.
const reopenings = new Map<Backend, Reopening>()
let reopens = 0
backendConformance({
  name: 'IndexedDbBackend, close → open before every read',
  create: async () => {
    const r = await createReopening()
    reopenings.set(r.backend, r)
    return r.backend
  },
  teardown: async (backend) => {
    const r = reopenings.get(backend)!
    reopens += r.reopens()
    await r.dispose()
  },
  supports: { insert: true, watch: true },
})

afterAll(() => {
  // The second run really reopened (guards against a wrapper that silently stopped reloading).
  expect(reopens).toBeGreaterThan(50)
})
