import { MemoryBackend } from '@engram/backend-memory'
import { Instance, type InstanceOptions } from '../src/index.js'

/** Cheap Argon2id parameters: these tests are about behaviour, not KDF cost (one test checks the defaults). */
export const FAST = { m: 64, t: 1, p: 1 }

export async function openInstance(options: InstanceOptions = {}, backend = new MemoryBackend()) {
  const instance = await Instance.open(backend, { argon2: FAST, ...options })
  return { instance, backend }
}

/** Every stored entry id, whatever its status. */
export async function allEntryIds(backend: MemoryBackend): Promise<string[]> {
  const ids = await Promise.all((['verified', 'unverified', 'failed'] as const).map((s) => backend.idsByStatus(s)))
  return ids.flat().sort()
}
