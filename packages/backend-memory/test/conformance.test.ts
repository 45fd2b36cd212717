import { backendConformance } from '@engram/backend-api/conformance'
import type { Backend } from '@engram/backend-api'
import { MemoryBackend } from '../src/index.js'
import { createReloading, type Reloading } from './reloading-backend.js'

backendConformance({ name: 'MemoryBackend', create: async () => new MemoryBackend(), supports: { insert: true } })

// The same suite again, every query answered by a backend restored from a snapshot.
const disposers = new WeakMap<Backend, Reloading>()
backendConformance({
  name: 'MemoryBackend, save → load before every read',
  create: async () => {
    const r = await createReloading()
    disposers.set(r.backend, r)
    return r.backend
  },
  teardown: async (backend) => disposers.get(backend)?.dispose(),
  supports: { insert: true },
})
