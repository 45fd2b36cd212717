/**
 * @module
 * The typed errors of `@engram/sync`. Codes are stable strings (listed in the
 * README); messages may change. Errors a peer reports over the wire are
 * rebuilt on the client as the same classes, by code.
 */
import { EngramError } from '@engram/crypto'

export { EngramError }

/** Every error this package throws (except TypeError for wrong argument types). */
export class SyncError extends EngramError {}

/** `startServer` / a request with no transport enabled for that address. */
export class NoTransportError extends SyncError {
  constructor(message = 'no transport enabled (enableHttpTransport() or enableInProcessTransport(network))') {
    super('NO_TRANSPORT', message)
  }
}

/** `startServer` while a server runs. */
export class ServerRunningError extends SyncError {
  constructor(address: string) {
    super('SERVER_RUNNING', `a server is running already at ${address}`)
  }
}

/** `stopServer` with no server running. */
export class ServerNotRunningError extends SyncError {
  constructor() {
    super('SERVER_NOT_RUNNING', 'no server is running')
  }
}

/** The peer could not be reached, or did not answer in time. */
export class PeerUnreachableError extends SyncError {
  constructor(message: string) {
    super('PEER_UNREACHABLE', message)
  }
}

/** A message with a protocol version other than 1. */
export class ProtocolMismatchError extends SyncError {
  constructor(message = 'unsupported protocol version (this peer speaks v1)') {
    super('PROTOCOL_MISMATCH', message)
  }
}

/** A malformed message: not JSON, not an object, an unknown type, a wrong field. */
export class BadRequestError extends SyncError {
  constructor(message: string) {
    super('BAD_REQUEST', message)
  }
}

/** A body or a response over the 16 MiB limit. */
export class PayloadTooLargeError extends SyncError {
  constructor(message = 'message over 16 MiB') {
    super('PAYLOAD_TOO_LARGE', message)
  }
}

/** The server has too many requests in flight from this peer; try again later. */
export class BusyError extends SyncError {
  constructor(message = 'too many requests in flight from this peer') {
    super('BUSY', message)
  }
}

/** A bad, replayed or expired handshake proof or token, or a server whose proven key is not the registered one. */
export class HandshakeFailedError extends SyncError {
  constructor(message: string) {
    super('HANDSHAKE_FAILED', message)
  }
}

/** The database is missing, or not served to this peer (the two look the same). */
export class DatabaseNotFoundError extends SyncError {
  constructor(databaseId: string) {
    super('DATABASE_NOT_FOUND', `database ${String(databaseId).slice(0, 80)} not found`)
  }
}

/** An access request was stored on the server and waits for an admin. */
export class BootstrapPendingError extends SyncError {
  readonly requestId: string
  constructor(requestId: string) {
    super('BOOTSTRAP_PENDING', `access request ${requestId} is pending approval`)
    this.requestId = requestId
  }
}

/** The access request was rejected. */
export class BootstrapRejectedError extends SyncError {
  readonly requestId: string | undefined
  constructor(requestId?: string) {
    super('BOOTSTRAP_REJECTED', `access request ${requestId ?? ''} was rejected`.replace('  ', ' '))
    this.requestId = requestId
  }
}

/** No bootstrap request with this id. */
export class RequestNotFoundError extends SyncError {
  constructor(requestId: string) {
    super('REQUEST_NOT_FOUND', `no bootstrap request ${String(requestId).slice(0, 80)}`)
  }
}

/** The bootstrap request was approved or rejected already. */
export class RequestNotPendingError extends SyncError {
  constructor(requestId: string, status: string) {
    super('REQUEST_NOT_PENDING', `bootstrap request ${requestId} is ${status}, not pending`)
  }
}

/** Too many pending access requests for this database. */
export class TooManyRequestsError extends SyncError {
  constructor(message = 'too many pending access requests for this database') {
    super('TOO_MANY_REQUESTS', message)
  }
}

/** The key lacks the permission the operation needs. */
export class UnauthorizedError extends SyncError {
  constructor(message: string) {
    super('UNAUTHORIZED', message)
  }
}

/** A malformed entry in a message. */
export class InvalidEntryError extends SyncError {
  constructor(message: string) {
    super('INVALID_ENTRY', message)
  }
}

/** Any call on a closed `Sync`. */
export class SyncClosedError extends SyncError {
  constructor() {
    super('SYNC_CLOSED', 'this Sync is closed (instance.enableSync() builds a new one)')
  }
}

/** An unexpected failure on the server (its message is not passed on). */
export class InternalError extends SyncError {
  constructor(message = 'internal error') {
    super('INTERNAL', message)
  }
}

/** Rebuilds a typed error from a code and message a peer sent. */
export function errorFromWire(code: unknown, message: unknown, extra: { requestId?: unknown } = {}): SyncError {
  const msg = typeof message === 'string' ? message.slice(0, 500) : 'peer error'
  switch (code) {
    case 'PROTOCOL_MISMATCH':
      return new ProtocolMismatchError(msg)
    case 'BAD_REQUEST':
      return new BadRequestError(msg)
    case 'PAYLOAD_TOO_LARGE':
      return new PayloadTooLargeError(msg)
    case 'BUSY':
      return new BusyError(msg)
    case 'HANDSHAKE_FAILED':
      return new HandshakeFailedError(msg)
    case 'DATABASE_NOT_FOUND': {
      const e = new DatabaseNotFoundError('')
      e.message = msg
      return e
    }
    case 'BOOTSTRAP_PENDING':
      return new BootstrapPendingError(typeof extra.requestId === 'string' ? extra.requestId : '')
    case 'BOOTSTRAP_REJECTED':
      return new BootstrapRejectedError(typeof extra.requestId === 'string' ? extra.requestId : undefined)
    case 'TOO_MANY_REQUESTS':
      return new TooManyRequestsError(msg)
    case 'UNAUTHORIZED':
      return new UnauthorizedError(msg)
    case 'INVALID_ENTRY':
      return new InvalidEntryError(msg)
    default:
      return new InternalError(`peer error ${typeof code === 'string' ? code.slice(0, 40) : ''}: ${msg}`)
  }
}
