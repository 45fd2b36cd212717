/**
 * @module
 * The HTTP transport (Node): one route, `POST /engram/v1/sync`, JSON in and
 * out. Bodies over 16 MiB → 413; malformed JSON or an unknown type → 400;
 * another protocol version → 400 `PROTOCOL_MISMATCH`; error bodies are
 * `{ error: { code, message } }`. The client uses one keep-alive agent,
 * with connect and total timeouts (`PEER_UNREACHABLE`). The server caps
 * header and request time and the requests in flight per peer (503), and
 * `close()` ends every socket.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { BadRequestError, BusyError, errorFromWire, PayloadTooLargeError, PeerUnreachableError, SyncError } from '../errors.js'
import { MAX_MESSAGE_BYTES } from '../protocol.js'
import { errorBody } from './inproc.js'
import type { RequestHandler, Transport, TransportServer } from './types.js'

export const SYNC_PATH = '/engram/v1/sync'

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** Time to open a connection (default 5 s). */
  connectTimeoutMs?: number
  /** Time for a whole request and its reply (default 60 s). */
  requestTimeoutMs?: number
  /** Requests served at once per peer (remote IP), beyond which the server answers 503 (default 16). */
  maxInFlightPerPeer?: number
  /** Told about each request this client completed (for metrics: round trips, bytes on the wire). */
  onExchange?: (info: { address: string; type: string; requestBytes: number; responseBytes: number }) => void
}

const STATUS: Record<string, number> = {
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

/** `host:port` → URL parts; IPv6 hosts in brackets. */
function parseAddress(address: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address)
  if (!m) return undefined
  const port = Number(m[2])
  if (port > 65535) return undefined
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port }
}

const formatAddress = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`)

/** A reused keep-alive socket turned out closed before any reply (retried once). */
class StaleSocketError extends PeerUnreachableError {
  constructor(address: string) {
    super(`${address}: connection closed by the peer`)
  }
}

export class HttpTransport implements Transport {
  readonly #agent: Agent
  readonly #connectTimeoutMs: number
  readonly #requestTimeoutMs: number
  readonly #maxInFlight: number
  readonly #onExchange: HttpTransportOptions['onExchange']
  readonly #controllers = new Set<AbortController>()

  constructor(options: HttpTransportOptions = {}) {
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 60_000
    this.#maxInFlight = options.maxInFlightPerPeer ?? 16
    this.#onExchange = options.onExchange
    this.#agent = new Agent({ keepAlive: true, maxSockets: 8, timeout: this.#requestTimeoutMs })
  }

  handles(address: string): boolean {
    return parseAddress(address) !== undefined
  }

  async listen(address: string, handler: RequestHandler): Promise<TransportServer> {
    const parsed = parseAddress(address)
    if (!parsed) throw new TypeError(`an HTTP address is "host:port", not ${JSON.stringify(address)}`)
    const sockets = new Set<Socket>()
    const inFlight = new Map<string, number>()
    const server: Server = createServer((req, res) => void this.#serve(req, res, handler, inFlight))
    server.headersTimeout = 10_000
    server.requestTimeout = this.#requestTimeoutMs
    server.keepAliveTimeout = 5_000
    server.on('connection', (socket: Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
      else socket.destroy()
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(parsed.port, parsed.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const bound = server.address()
    const port = typeof bound === 'object' && bound !== null ? bound.port : parsed.port
    return {
      address: formatAddress(parsed.host, port),
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          for (const s of sockets) s.destroy()
          server.closeAllConnections?.()
        }),
    }
  }

  async #serve(req: IncomingMessage, res: ServerResponse, handler: RequestHandler, inFlight: Map<string, number>): Promise<void> {
    const remote = `${req.socket.remoteAddress ?? '?'}`
    const send = (status: number, body: object): void => {
      if (res.headersSent || res.destroyed) return
      const text = JSON.stringify(body)
      const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }
      if (status === 413) headers.connection = 'close'
      res.writeHead(status, headers)
      res.end(text)
    }
    const fail = (err: unknown): void => {
      const body = errorBody(err)
      send(STATUS[body.code] ?? 422, { error: body })
    }
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== SYNC_PATH) {
      req.resume()
      send(404, { error: { code: 'BAD_REQUEST', message: `only POST ${SYNC_PATH} is served` } })
      return
    }
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > MAX_MESSAGE_BYTES) {
      fail(new PayloadTooLargeError())
      req.resume()
      return
    }
    const count = inFlight.get(remote) ?? 0
    if (count >= this.#maxInFlight) {
      req.resume()
      fail(new BusyError())
      return
    }
    inFlight.set(remote, count + 1)
    try {
      const chunks: Buffer[] = []
      let size = 0
      let tooLarge = false
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > MAX_MESSAGE_BYTES) {
          tooLarge = true
          break
        }
        chunks.push(chunk)
      }
      if (tooLarge) {
        fail(new PayloadTooLargeError())
        req.resume()
        return
      }
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        fail(new BadRequestError('the body is not JSON'))
        return
      }
      let reply: object
      try {
        reply = await handler(body, { remote })
      } catch (err) {
        fail(err)
        return
      }
      const text = JSON.stringify(reply)
      if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
        fail(new PayloadTooLargeError('response over 16 MiB'))
        return
      }
      send(200, reply)
    } catch (err) {
      fail(err)
    } finally {
      const left = (inFlight.get(remote) ?? 1) - 1
      if (left <= 0) inFlight.delete(remote)
      else inFlight.set(remote, left)
    }
  }

  async request(address: string, message: object, signal: AbortSignal): Promise<unknown> {
    try {
      return await this.#request(address, message, signal)
    } catch (err) {
      // A pooled keep-alive socket the server had closed: the request never reached it; once more on a new socket.
      if (err instanceof StaleSocketError && !signal.aborted) return this.#request(address, message, signal)
      throw err
    }
  }

  #request(address: string, message: object, signal: AbortSignal): Promise<unknown> {
    const parsed = parseAddress(address)
    if (!parsed) return Promise.reject(new TypeError(`an HTTP address is "host:port", not ${JSON.stringify(address)}`))
    const body = Buffer.from(JSON.stringify(message), 'utf8')
    if (body.length > MAX_MESSAGE_BYTES) return Promise.reject(new PayloadTooLargeError('request over 16 MiB'))
    const controller = new AbortController()
    const onAbort = (): void => controller.abort()
    signal.addEventListener('abort', onAbort)
    this.#controllers.add(controller)
    return new Promise<unknown>((resolve, reject) => {
      let settled = false
      let gotResponse = false
      const done = (fn: () => void): void => {
        if (settled) return
        settled = true
        clearTimeout(total)
        clearTimeout(connect)
        signal.removeEventListener('abort', onAbort)
        this.#controllers.delete(controller)
        fn()
      }
      const unreachable = (why: string): void => done(() => reject(new PeerUnreachableError(`${address}: ${why}`)))
      const req = httpRequest(
        {
          host: parsed.host,
          port: parsed.port,
          method: 'POST',
          path: SYNC_PATH,
          agent: this.#agent,
          signal: controller.signal,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          gotResponse = true
          clearTimeout(connect)
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (c: Buffer) => {
            size += c.length
            if (size > MAX_MESSAGE_BYTES + 1024) {
              res.destroy()
              done(() => reject(new PayloadTooLargeError('response over 16 MiB')))
              return
            }
            chunks.push(c)
          })
          res.on('error', () => unreachable('connection lost'))
          res.on('end', () => {
            try {
              this.#onExchange?.({ address, type: String((message as { type?: unknown }).type), requestBytes: body.length, responseBytes: size })
            } catch {
              // a metrics callback never fails a request
            }
            let parsedBody: unknown
            try {
              parsedBody = JSON.parse(Buffer.concat(chunks).toString('utf8'))
            } catch {
              if (res.statusCode === 503) return done(() => reject(new BusyError()))
              return done(() => reject(new BadRequestError(`peer answered ${res.statusCode} with a body that is not JSON`)))
            }
            const error = (parsedBody as { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | null)?.error
            if (error !== undefined && error !== null) return done(() => reject(errorFromWire(error.code, error.message, error)))
            if (res.statusCode !== 200) return done(() => reject(new BadRequestError(`peer answered HTTP ${res.statusCode}`)))
            done(() => resolve(parsedBody))
          })
        },
      )
      const connect = setTimeout(() => {
        if (!req.socket || req.socket.connecting) {
          controller.abort()
          unreachable('connect timeout')
        }
      }, this.#connectTimeoutMs)
      const total = setTimeout(() => {
        controller.abort()
        unreachable('timeout')
      }, this.#requestTimeoutMs)
      req.on('error', (err: Error) => {
        if (err instanceof SyncError) return done(() => reject(err))
        if (req.reusedSocket && (err as { code?: string }).code === 'ECONNRESET' && !gotResponse)
          return done(() => reject(new StaleSocketError(address)))
        unreachable(signal.aborted ? 'aborted' : err.message)
      })
      req.end(body)
    })
  }

  async close(): Promise<void> {
    for (const c of this.#controllers) c.abort()
    this.#controllers.clear()
    this.#agent.destroy()
  }
}
