/**
 * PostgresBackend: the error mapping (always), and with a server
 * (ENGRAM_TEST_POSTGRES_URL) the conformance suite and the server cases.
 */
import { describe, expect, it } from 'vitest'
import { backendConformance } from '@engram/backend-api/conformance'
import { PostgresBackend } from '../src/index.js'
import { storageError } from '../src/postgres-backend.js'
import { serverCases } from './server-cases.js'
import { dispose, freshBackend, url } from './server.js'

describe('PostgresBackend error mapping', () => {
  const code = (err: unknown) => (storageError(err, 'schema x') as { code?: string }).code
  it('a full disk is STORAGE_FULL; dropped connections are CONNECTION_LOST; the rest STORAGE_ERROR', () => {
    expect(code(Object.assign(new Error('could not extend file'), { code: '53100' }))).toBe('STORAGE_FULL')
    expect(code(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe('CONNECTION_LOST')
    expect(code(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe('CONNECTION_LOST')
    expect(code(new Error('Connection terminated unexpectedly'))).toBe('CONNECTION_LOST')
    expect(code(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe('STORAGE_ERROR')
  })
  it('argument errors pass through unchanged', () => {
    const t = new TypeError('x')
    expect(storageError(t, 'schema x')).toBe(t)
  })
  it('connect checks its arguments', async () => {
    await expect(PostgresBackend.connect(undefined as never)).rejects.toBeInstanceOf(TypeError)
    await expect(PostgresBackend.connect({ connectionString: 5 as never })).rejects.toBeInstanceOf(TypeError)
    await expect(PostgresBackend.connect({ connectionString: 'postgres://x', schema: '' })).rejects.toBeInstanceOf(RangeError)
  })
  it('an unreachable server → CONNECTION_LOST', async () => {
    const err = await PostgresBackend.connect({ connectionString: 'postgres://nobody@127.0.0.1:1/none' }).catch((e: unknown) => e)
    expect((err as { code?: string }).code).toBe('CONNECTION_LOST')
  })
})

if (url !== undefined) {
  const connectionString = url
  backendConformance({
    name: 'PostgresBackend',
    create: () => freshBackend(),
    teardown: dispose,
    supports: { insert: true, watch: true, checkpoints: true },
    reopen: (b) => PostgresBackend.connect({ connectionString, schema: b.schema }),
  })
  serverCases(url)
}
