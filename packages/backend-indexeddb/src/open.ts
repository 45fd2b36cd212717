/**
 * @module
 * Opening an IndexedDB database at a schema version, with every way that can
 * go wrong mapped to a typed error, and small promise helpers over
 * IndexedDB's requests. Internal to the package.
 */
import { IndexedDbUnavailableError, UnsupportedFormatError, UpgradeBlockedError } from './errors.js'

/** The global IndexedDB factory, or a typed error when there is none. */
export function indexedDbFactory(): IDBFactory {
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB
  if (factory === undefined || factory === null) throw new IndexedDbUnavailableError()
  return factory
}

/** Runs the schema steps from `oldVersion` up to the requested version, inside the upgrade transaction. */
export type Upgrade = (db: IDBDatabase, oldVersion: number, tx: IDBTransaction) => void

/**
 * Opens database `name` at `version`, running `upgrade` in `onupgradeneeded`.
 * A database already at a higher version → `UNSUPPORTED_FORMAT`, untouched.
 * An upgrade held up by another open connection → `UPGRADE_BLOCKED`; should
 * the other connection close later, the upgrade that then starts is aborted,
 * so the database is never changed by an open that already failed.
 */
export function openDatabase(factory: IDBFactory, name: string, version: number, upgrade: Upgrade): Promise<IDBDatabase> {
  return new Promise<IDBDatabase>((resolve, reject) => {
    let settled = false
    let request: IDBOpenDBRequest
    try {
      request = factory.open(name, version)
    } catch (err) {
      reject(err)
      return
    }
    request.onupgradeneeded = (event) => {
      const tx = request.transaction!
      if (settled) {
        tx.abort()
        return
      }
      try {
        upgrade(request.result, event.oldVersion, tx)
      } catch (err) {
        settled = true
        tx.abort()
        reject(err)
      }
    }
    request.onblocked = () => {
      if (settled) return
      settled = true
      reject(new UpgradeBlockedError(name))
    }
    request.onsuccess = () => {
      const db = request.result
      if (settled) {
        db.close()
        return
      }
      settled = true
      resolve(db)
    }
    request.onerror = (event) => {
      event.preventDefault()
      if (settled) return
      settled = true
      const err = request.error
      if (err?.name === 'VersionError') {
        // The stored version is higher than ours: find it out for the message, touching nothing.
        void storedVersion(factory, name).then(
          (found) => reject(new UnsupportedFormatError(name, found, version)),
          () => reject(new UnsupportedFormatError(name, version + 1, version)),
        )
      } else reject(err)
    }
  })
}

/** The current version of an existing database (opening without a version never upgrades it). */
function storedVersion(factory: IDBFactory, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name)
    request.onupgradeneeded = () => request.transaction!.abort() // it vanished meanwhile: do not create it
    request.onsuccess = () => {
      const v = request.result.version
      request.result.close()
      resolve(v)
    }
    request.onerror = (event) => {
      event.preventDefault()
      reject(request.error)
    }
  })
}

/** The result of one request as a promise. */
export function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

/** Settles when `tx` commits (durably, for a `strict` transaction), or rejects with why it aborted. */
export function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'))
  })
}
