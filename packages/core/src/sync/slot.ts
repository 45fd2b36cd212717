/**
 * @module
 * The sync plugin slot. Core never imports `@engram/sync` (it is a layer
 * below it); instead the sync package registers a factory when it is
 * imported, and `instance.enableSync()` calls that factory once per
 * instance with a {@link SyncContext}: everything sync needs from the
 * instance (engine, device signer, write hooks, accounts, the `_databases`
 * registry, the `_sync` root recorded in `_instance`).
 *
 * ```ts
 * // inside @engram/sync
 * import { registerSyncFactory } from '@engram/core'
 * registerSyncFactory((ctx) => Sync.start(ctx))
 * declare module '@engram/core' { interface SyncTypes { sync: Sync } }
 * ```
 *
 * An application that prefers no global registration passes the factory
 * as `Instance.open(backend, { sync: factory })`.
 */
import type { Backend } from '@engram/backend-api'
import type { Engine, Signer, WriteEvent, WriteSource } from '@engram/database'
import type { User, UserRecord } from '@engram/user'
import type { Instance } from '../instance.js'
import type { DatabaseRecord } from '../registry/database-registry.js'

/** The least a sync module is: any object (the sync package's `Sync`). */
export type SyncModule = object

/**
 * Augmented by the sync package (`interface SyncTypes { sync: Sync }`) so
 * that `instance.enableSync()` and `instance.sync()` return its type.
 */
export interface SyncTypes {}

/** The type `enableSync()` returns: the registered sync package's `Sync`, else {@link SyncModule}. */
export type InstanceSync = SyncTypes extends { sync: infer S } ? S : SyncModule

/** What a sync factory receives from the instance. */
export interface SyncContext {
  readonly instance: Instance
  readonly engine: Engine
  readonly backend: Backend
  /** Signs as this device (sigkey `_device_key`): `_sync` writes, handshakes. */
  readonly deviceSigner: Signer
  /** `ed25519:<base64>` of the device key. */
  readonly devicePublicKey: string
  /** The `_sync` root recorded in `_instance`, if sync was ever enabled on this backend. */
  syncDatabaseId(): string | undefined
  /** Records the `_sync` root in `_instance`, so every later open finds it. */
  setSyncDatabaseId(id: string): Promise<void>
  /** Write hooks (local commits, verified remote entries), global or per database. */
  onWrite(source: WriteSource, listener: (event: WriteEvent) => void | Promise<void>, databaseId?: string): () => void
  /** Every account record (usernames, user database ids, status). */
  users(): Promise<UserRecord[]>
  /** Every `_databases` record, with who tracks it and their sync settings. */
  databases(): Promise<DatabaseRecord[]>
  /** The sessions logged in on this instance right now (for proving user keys to peers). */
  sessions(): User[]
  /**
   * Detaches the sync module built with this context (its `close()` calls
   * this): `instance.sync()` is `undefined` again and the next
   * `instance.enableSync()` builds a fresh module on the same `_sync`.
   * A no-op when the instance holds another module by then.
   */
  detach(): void
}

/** Builds the sync module of one instance. */
export type SyncFactory = (context: SyncContext) => InstanceSync | Promise<InstanceSync>

let registered: SyncFactory | undefined

/**
 * Makes `factory` the one `instance.enableSync()` uses (replacing an earlier
 * one). `@engram/sync` calls this when imported.
 */
export function registerSyncFactory(factory: SyncFactory): void {
  if (typeof factory !== 'function') throw new TypeError('registerSyncFactory: factory must be a function')
  registered = factory
}

/** The registered factory, if any. */
export function registeredSyncFactory(): SyncFactory | undefined {
  return registered
}

/** Removes the registered factory (for tests and hot reload). */
export function unregisterSyncFactory(): void {
  registered = undefined
}
