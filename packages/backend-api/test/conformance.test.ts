import { backendConformance } from '@engram/backend-api/conformance'
import { MapBackend } from './map-backend.js'

// Only the required primitives: every graph answer comes from AbstractBackend.
backendConformance({ name: 'MapBackend (shared graph implementation)', create: async () => new MapBackend() })
