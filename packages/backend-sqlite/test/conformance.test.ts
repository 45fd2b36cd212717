import { backendConformance } from '@engram/backend-api/conformance'
import { SqliteBackend } from '../src/index.js'
import { dispose, freshBackend } from './helpers.js'

backendConformance({
  name: 'SqliteBackend',
  create: () => freshBackend({ watchIntervalMs: 10 }),
  teardown: dispose,
  supports: { insert: true, watch: true, checkpoints: true },
  reopen: (b) => SqliteBackend.open(b.path, { watchIntervalMs: 10 }),
})
