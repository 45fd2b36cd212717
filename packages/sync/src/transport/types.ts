/**
 * @module
 * The transport seam (DECISIONS 17): a transport carries one JSON message
 * to an address and brings back the reply. Everything else (handshake,
 * paging, serving rules) is the same on every transport.
 */

/** Serves one parsed request body; returns the reply object or throws a typed error. */
export type RequestHandler = (body: unknown, context: { remote: string }) => Promise<object>

/** A running server of one transport. */
export interface TransportServer {
  readonly address: string
  close(): Promise<void>
}

/** Carries requests; see HttpTransport and InProcessTransport. */
export interface Transport {
  /** Whether this transport dials addresses of this form. */
  handles(address: string): boolean
  /** Starts serving at `address` (the bound address is in the result). */
  listen(address: string, handler: RequestHandler): Promise<TransportServer>
  /**
   * Sends `message` to `address` and returns the reply object. An error
   * reply is thrown as its typed error; no answer → PEER_UNREACHABLE.
   */
  request(address: string, message: object, signal: AbortSignal): Promise<unknown>
  /** Aborts in-flight requests and releases sockets. */
  close(): Promise<void>
}
