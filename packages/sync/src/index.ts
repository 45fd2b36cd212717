/**
 * @module
 * `@engram/sync`: instances that converge (DECISIONS 12–17). Importing this
 * module registers it with core's sync slot (its one side effect); then
 * `enableSync(instance)` and `instance.enableSync()` return the same `Sync`.
 * This entry has the in-process transport and the HTTP client on `fetch`
 * (a browser syncs as a client only); the Node entry (the `node` export
 * condition) replaces it with the `node:http` client and server.
 */
import { registerSyncFactory } from '@engram/core'
import { setHttpTransportFactory, Sync, syncFactory } from './sync.js'
import { FetchTransport } from './transport/fetch.js'

registerSyncFactory(syncFactory)
if (typeof (globalThis as { fetch?: unknown }).fetch === 'function') setHttpTransportFactory((options) => new FetchTransport(options))

declare module '@engram/core' {
  interface SyncTypes {
    sync: Sync
  }
}

export {
  Sync,
  enableSync,
  type SyncOptions,
  type SyncResult,
  type ReceivedCounts,
  type PeerInfo,
  type SyncStatus,
  type SyncPeerHandle,
  type BootstrapRequest,
} from './sync.js'
export { FetchTransport, type FetchTransportOptions } from './transport/fetch.js'
export { SYNC_PATH, type HttpOptions } from './transport/http-common.js'
export { InProcessNetwork, type InProcessNetworkOptions, type FaultOptions } from './transport/inproc.js'
export type { Transport, TransportServer, RequestHandler } from './transport/types.js'
export {
  EngramError,
  SyncError,
  NoTransportError,
  ServerRunningError,
  ServerNotRunningError,
  PeerUnreachableError,
  ProtocolMismatchError,
  BadRequestError,
  PayloadTooLargeError,
  BusyError,
  HandshakeFailedError,
  DatabaseNotFoundError,
  BootstrapPendingError,
  BootstrapRejectedError,
  RequestNotFoundError,
  RequestNotPendingError,
  TooManyRequestsError,
  UnauthorizedError,
  InvalidEntryError,
  SyncClosedError,
  InternalError,
} from './errors.js'
export { PROTOCOL, VERSION, MAX_MESSAGE_BYTES } from './protocol.js'
