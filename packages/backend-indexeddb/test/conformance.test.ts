import { backendConformance } from '@engram/backend-api/conformance'
import type { Backend } from '@engram/backend-api'
import { afterAll, expect } from 'vitest'
import { IndexedDbBackend } from '../src/index.js'
import { createReopening, deleteDatabase, uniqueName, type Reopening } from './helpers.js'

backendConformance<IndexedDbBackend>({
  name: 'IndexedDbBackend',
  create: async () => IndexedDbBackend.open(uniqueName()),
  teardown: async (backend) => {
    await backend.close()
    await deleteDatabase(backend.name)
  },
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
})

afterAll(() => {
  // The second run really reopened (guards against a wrapper that silently stopped reloading).
  expect(reopens).toBeGreaterThan(50)
})
