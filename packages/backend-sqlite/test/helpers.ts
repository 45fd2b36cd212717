/** Test helpers: SQLite backends in throwaway folders. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteBackend, type SqliteBackendOptions } from '../src/index.js'

export async function tempDir(): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'engram-sqlite-'))
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) }
}

const owned = new WeakMap<SqliteBackend, () => Promise<void>>()

/** A fresh backend in its own folder; `dispose` closes it and removes the folder. */
export async function freshBackend(options?: SqliteBackendOptions): Promise<SqliteBackend> {
  const { dir, dispose } = await tempDir()
  const b = await SqliteBackend.open(join(dir, 'engram.db'), options)
  owned.set(b, dispose)
  return b
}

/** Closes a backend; removes its folder when `freshBackend` made it. */
export async function dispose(b: SqliteBackend): Promise<void> {
  await b.close()
  await owned.get(b)?.()
}
