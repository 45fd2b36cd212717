/**
 * @module
 * What the HTTP client transports (`node:http` and `fetch`) share: the
 * route, address parsing, the status of each error code, and how a reply
 * body becomes a result or a typed error.
 */
import { BadRequestError, BusyError, errorFromWire } from '../errors.js'

/** The one route of the HTTP wire. */
export const SYNC_PATH = '/engram/v1/sync'

/** HTTP client and server settings (`SyncOptions.http`); each transport reads the ones it has. */
export interface HttpOptions {
  /** Node client: time to open a connection (default 5 s). */
  connectTimeoutMs?: number
  /** Time for a whole request and its reply (default 60 s). */
  requestTimeoutMs?: number
  /** Node server: requests served at once per peer (remote IP), beyond which it answers 503 (default 16). */
  maxInFlightPerPeer?: number
  /** Told about each request a client completed (metrics: round trips, bytes on the wire). */
  onExchange?: (info: { address: string; type: string; requestBytes: number; responseBytes: number }) => void
  /**
   * Node server: browser origins (`'https://app.example'`, `'http://localhost:5173'`)
   * whose pages may call it (CORS preflight and headers); `'*'` allows any.
   * None by default: a request from another origin's page is refused with `UNAUTHORIZED`.
   */
  allowedOrigins?: readonly string[]
  /**
   * The `fetch` the client uses. Browsers always use `fetch` (default
   * `globalThis.fetch`); on Node, giving one switches the client from
   * `node:http` to `fetch`.
   */
  fetch?: typeof globalThis.fetch
}

/** HTTP status of each error code a server sends. */
export const STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  PROTOCOL_MISMATCH: 400,
  INVALID_ENTRY: 400,
  HANDSHAKE_FAILED: 401,
  UNAUTHORIZED: 403,
  DATABASE_NOT_FOUND: 404,
  BOOTSTRAP_PENDING: 409,
  BOOTSTRAP_REJECTED: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  BUSY: 503,
  INTERNAL: 500,
}

/** `host:port` → its parts (IPv6 hosts in brackets); anything else → undefined. */
export function parseAddress(address: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address)
  if (!m) return undefined
  const port = Number(m[2])
  if (port > 65535) return undefined
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port }
}

/** `host` and `port` → `host:port` (IPv6 in brackets). */
export const formatAddress = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`)

/**
 * The URL a client posts to for `address`: `host:port` → `http://host:port/engram/v1/sync`;
 * an origin `http://host[:port]` or `https://host[:port]` → that origin + the route.
 * Anything else → undefined.
 */
export function syncUrl(address: string): string | undefined {
  if (parseAddress(address)) return `http://${address}${SYNC_PATH}`
  const m = /^(https?):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(address)
  if (!m || (m[3] !== undefined && Number(m[3]) > 65535)) return undefined
  return `${m[1]}://${m[2]}${m[3] !== undefined ? `:${m[3]}` : ''}${SYNC_PATH}`
}

/**
 * A reply body (text) and its status → the reply object, or the typed error it carries.
 * An `error` object wins whatever the status; a non-JSON body → BUSY on 503, else BAD_REQUEST.
 */
export function decodeReply(status: number, text: string): unknown {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    if (status === 503) throw new BusyError()
    throw new BadRequestError(`peer answered ${status} with a body that is not JSON`)
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | null)?.error
  if (error !== undefined && error !== null) throw errorFromWire(error.code, error.message, error)
  if (status !== 200) throw new BadRequestError(`peer answered HTTP ${status}`)
  return parsed
}
