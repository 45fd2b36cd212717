import { backendConformance } from '@engram/backend-api/conformance'
import { MemoryBackend } from '../src/index.js'

backendConformance({ name: 'MemoryBackend', create: async () => new MemoryBackend() })
