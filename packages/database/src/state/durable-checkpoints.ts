/**
 * @module
 * Durable state checkpoints (issue 10): the state of a store at some tips,
 * written now and then into a backend that has the checkpoint capability,
 * so that after a reopen the engine folds only the entries above the newest
 * usable checkpoint instead of the whole history.
 *
 * Checkpoints are derived data, never trusted over entries:
 * - a checkpoint is used only when the fold walk from the tips being read
 *   reaches its tips by following store parents (so its tips are verified
 *   entries of the history being read, and the order conditions of the walk
 *   hold, as for any in-memory state);
 * - its data carries a format version and a keyed digest over (tree, store,
 *   kind, tips, height, state): a row from another version, another
 *   database, store or tips, a damaged row, or one written by anything that
 *   does not hold the backend's checkpoint key (a local key, `_checkpoint_key`)
 *   is ignored, as is a state that does not decode;
 * - an ignored checkpoint is simply not used: the state is folded from the
 *   entries (and written again later).
 * The key lives in the same storage as the entries: whoever can write that
 * storage can also mark entries verified, so it guards against accidents and
 * against writers that only reach the checkpoint rows, not against the owner
 * of the storage.
 *
 * Which folded states may be written, and which written ones may be used, is
 * decided in one place in the state manager (`StateManager.#durableOk`).
 */
import { CHECKPOINTS_KEPT, hasCheckpoints, type Backend, type Checkpoint, type CheckpointBackend, type Id } from '@engram/backend-api'
import { bytesToHex, hashText, randomBytes } from '@engram/crypto'
import type { StoreCrdt } from '../store/types.js'
import { tipsKey } from './tips.js'

/** The format of a checkpoint's `data`: `engram-checkpoint <version> <digest>\n<encoded state>`. */
export const CHECKPOINT_FORMAT = 1
const HEADER = `engram-checkpoint ${CHECKPOINT_FORMAT} `
/** The local key (backend local key storage) that keys checkpoint digests. */
export const CHECKPOINT_KEY_NAME = '_checkpoint_key'

/**
 * Entries folded between durable checkpoints of one (database, store, type):
 * at least MIN, at most MAX, and COST_FACTOR per microsecond that encoding
 * the state took (a big state is written rarely, so the writes cost a few
 * percent of the commits between them; a reopen then folds at most that many
 * entries).
 */
export const DURABLE_MIN = 256
export const DURABLE_MAX = 8192
const DURABLE_COST_FACTOR = 0.25

interface Progress {
  /** Entries folded since the last durable checkpoint. */
  folded: number
  every: number
  writing: boolean
}

/** Durable checkpoints over one {@link CheckpointBackend}. */
export class DurableCheckpoints {
  readonly #backend: CheckpointBackend
  #key: Promise<string | undefined> | undefined
  readonly #progress = new Map<string, Progress>()
  /** Checkpoints read this session, per (tree, store, kind), by tips key (dropped once one is used or a new one is written). */
  readonly #candidates = new Map<string, Promise<Map<string, Checkpoint>>>()

  private constructor(backend: CheckpointBackend) {
    this.#backend = backend
  }

  /** Durable checkpoints for `backend`, or `undefined` when it has no checkpoint capability. */
  static over(backend: Backend): DurableCheckpoints | undefined {
    return hasCheckpoints(backend) ? new DurableCheckpoints(backend) : undefined
  }

  /** The digest key, created on first use (`undefined` when the storage cannot give one: then nothing is written or used). */
  #secret(): Promise<string | undefined> {
    this.#key ??= (async () => {
      try {
        let key = await this.#backend.getLocalKey(CHECKPOINT_KEY_NAME)
        if (key === undefined || key.length < 16) {
          await this.#backend.putLocalKey(CHECKPOINT_KEY_NAME, randomBytes(32))
          // Another process may have written its own meanwhile: every process uses what is stored.
          key = await this.#backend.getLocalKey(CHECKPOINT_KEY_NAME)
        }
        return key === undefined ? undefined : bytesToHex(key)
      } catch {
        this.#key = undefined // retried next time
        return undefined
      }
    })()
    return this.#key
  }

  /**
   * Counts `folded` more entries folded into the state of (tree, store,
   * kind); true when enough have been folded since the last durable
   * checkpoint that the caller should {@link write} one now.
   */
  due(tree: Id, store: string, kind: string, folded: number): boolean {
    const key = progressKey(tree, store, kind)
    let p = this.#progress.get(key)
    if (p === undefined) this.#progress.set(key, (p = { folded: 0, every: DURABLE_MIN, writing: false }))
    p.folded += folded
    return p.folded >= p.every && !p.writing
  }

  /**
   * Writes the state at `tips` (a state no later fold changes) in the
   * background: encoded now, stored without blocking the caller. Failures
   * are ignored (the state is derived data).
   */
  write<State>(tree: Id, store: string, kind: string, crdt: StoreCrdt<State>, tips: readonly Id[], state: State): void {
    if (tips.length === 0) return
    const key = progressKey(tree, store, kind)
    let p = this.#progress.get(key)
    if (p === undefined) this.#progress.set(key, (p = { folded: 0, every: DURABLE_MIN, writing: false }))
    if (p.writing) return
    const progress = p
    let encoded: string
    const start = performance.now()
    try {
      encoded = crdt.encode(state)
    } catch {
      return
    }
    const micros = (performance.now() - start) * 1000
    progress.every = Math.min(DURABLE_MAX, Math.max(DURABLE_MIN, Math.round(DURABLE_COST_FACTOR * micros)))
    progress.folded = 0
    progress.writing = true
    const sorted = [...new Set(tips)].sort()
    void (async () => {
      try {
        const secret = await this.#secret()
        if (secret === undefined) return
        let height = 0
        for (const tip of sorted) height = Math.max(height, await this.#backend.getHeight(tree, tip))
        const digest = checkpointDigest(secret, tree, store, kind, sorted, height, encoded)
        await this.#backend.putCheckpoint({ tree, store, kind, tips: sorted, height, data: HEADER + digest + '\n' + encoded })
        this.#candidates.delete(key)
      } catch {
        // derived data: a checkpoint that could not be written is simply not there
      } finally {
        progress.writing = false
      }
    })()
  }

  /**
   * The tips keys ({@link tipsKey}) of the stored checkpoints of (tree,
   * store, kind), newest first, read once per session (empty when none or
   * when the storage fails).
   */
  async candidates(tree: Id, store: string, kind: string): Promise<ReadonlyMap<string, Checkpoint>> {
    const key = progressKey(tree, store, kind)
    let found = this.#candidates.get(key)
    if (found === undefined) {
      found = this.#backend.getCheckpoints(tree, store, kind, CHECKPOINTS_KEPT).then(
        (list) => new Map(list.map((c) => [tipsKey(c.tips), c])),
        () => new Map<string, Checkpoint>(),
      )
      this.#candidates.set(key, found)
    }
    return found
  }

  /**
   * The state a stored checkpoint holds, when its format, binding and digest
   * check out and its state decodes; `undefined` otherwise (it is then
   * forgotten for this session). A used checkpoint is forgotten too: the
   * engine keeps the state in memory from then on.
   */
  async open<State>(checkpoint: Checkpoint, crdt: StoreCrdt<State>): Promise<State | undefined> {
    const key = progressKey(checkpoint.tree, checkpoint.store, checkpoint.kind)
    this.#candidates.delete(key)
    const secret = await this.#secret()
    if (secret === undefined) return undefined
    const data = checkpoint.data
    if (typeof data !== 'string' || !data.startsWith(HEADER)) return undefined
    const newline = data.indexOf('\n', HEADER.length)
    if (newline < 0) return undefined
    const digest = data.slice(HEADER.length, newline)
    const encoded = data.slice(newline + 1)
    const tips = [...checkpoint.tips].sort()
    if (digest !== checkpointDigest(secret, checkpoint.tree, checkpoint.store, checkpoint.kind, tips, checkpoint.height, encoded)) return undefined
    try {
      return crdt.decode(encoded)
    } catch {
      return undefined
    }
  }
}

const progressKey = (tree: Id, store: string, kind: string): string => `${kind}\u0000${store}\u0000${tree}`

/**
 * The keyed digest of a checkpoint: SHA-256 of the key and the SHA-256 of
 * the key and every bound field (nested, so no message can be extended).
 */
function checkpointDigest(secret: string, tree: Id, store: string, kind: string, tips: readonly Id[], height: number, encoded: string): string {
  const bound = JSON.stringify([CHECKPOINT_FORMAT, tree, store, kind, tips, height, encoded.length])
  return hashText(secret + hashText(secret + '\n' + bound + '\n' + encoded)).slice('sha256:'.length)
}
