/**
 * @module
 * What a user session needs from the instance that logged it in. `@engram/core`
 * implements it; `@engram/user` never imports core (ARCHITECTURE.md).
 */
import type { Ed25519 } from '@engram/crypto'
import type { Engine } from '@engram/database'
import type { SyncSettings } from './types.js'

/** One entry of the instance's `_databases` registry, as a session writes it. */
export interface RegisteredDatabase {
  databaseId: string
  name: string | null
  /** The creating user's id. */
  createdBy: string
}

/** A change to who tracks a database (`syncSettings: null` = stops tracking). */
export interface TrackingChange {
  databaseId: string
  /** The database's name, used when the registry does not know it yet (e.g. it arrived by sync). */
  name: string | null
  userId: string
  username: string
  syncSettings: SyncSettings | null
}

/**
 * The instance side of a session: the engine every database handle shares,
 * and the `_databases` registry (DECISIONS 8), which the instance writes with
 * its device key.
 */
export interface UserHost {
  readonly engine: Engine
  /** The Ed25519 implementation to prepare signing keys with (defaults to `@engram/crypto`'s). */
  readonly ed25519?: Ed25519
  /** Records a database a user just created. */
  registerDatabase(record: RegisteredDatabase): Promise<void>
  /** Ids of every registered database named `name`, oldest first. */
  findDatabaseIds(name: string): Promise<string[]>
  /** Records that a user tracks (or stopped tracking) a database, registering it if needed. */
  setTracking(change: TrackingChange): Promise<void>
  /** Called once when a session logs out. */
  sessionClosed?(session: object): void
}
