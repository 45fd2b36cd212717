/**
 * @module
 * Snapshot file I/O for Node (loaded with a dynamic import by
 * `MemoryBackend.save` / `MemoryBackend.load`, so browsers never touch it).
 * A save writes a temporary file in the target's folder, fsyncs it, renames
 * it over the target and fsyncs the folder: a crash or failure at any point
 * leaves either the old snapshot or the new one, never a mix.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { NotFoundError, SnapshotReadError, SnapshotWriteError } from '@engram/backend-api'
import { bytesToHex, randomBytes, utf8Decode, utf8Encode } from '@engram/crypto'

/**
 * @internal The file operations used here; a test may replace one (e.g. a
 * failing `rename`) and must restore it.
 */
export const snapshotFs = { open, readFile, rename, unlink }

/**
 * Writes `text` to `path` atomically. The file is created with mode 0600:
 * it holds local keys unencrypted.
 * @throws SnapshotWriteError (`SNAPSHOT_WRITE_FAILED`); the previous file, if any, is intact and no temp file remains.
 */
export async function writeSnapshotFile(path: string, text: string): Promise<void> {
  const dir = dirname(path)
  // A short name of its own: the target's name may already use all 255 bytes a name can have.
  const tmp = join(dir, `.engram-${bytesToHex(randomBytes(8))}.tmp`)
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await snapshotFs.open(tmp, 'wx', 0o600)
    await handle.writeFile(utf8Encode(text))
    await handle.sync()
    await handle.close()
    handle = undefined
    await snapshotFs.rename(tmp, path)
  } catch (err) {
    await handle?.close().catch(() => undefined)
    await snapshotFs.unlink(tmp).catch(() => undefined)
    throw new SnapshotWriteError(path, { cause: err })
  }
  // Make the rename itself durable. Some platforms cannot fsync a folder; the
  // snapshot is complete either way, so that is not an error.
  try {
    const d = await snapshotFs.open(dir, 'r')
    try {
      await d.sync()
    } finally {
      await d.close()
    }
  } catch {
    // best effort
  }
}

/**
 * Reads snapshot text; `null` when the bytes are not valid UTF-8 (the caller
 * reports that as a corrupt snapshot). Never writes to the file.
 * @throws NotFoundError (`NOT_FOUND`) when there is no file;
 * SnapshotReadError (`SNAPSHOT_READ_FAILED`) for other I/O failures.
 */
export async function readSnapshotFile(path: string): Promise<string | null> {
  let bytes: Uint8Array
  try {
    bytes = await snapshotFs.readFile(path)
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(path, { cause: err })
    throw new SnapshotReadError(path, { cause: err })
  }
  try {
    return utf8Decode(bytes)
  } catch {
    return null
  }
}
