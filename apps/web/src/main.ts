/**
 * `pnpm web`: serves the task list and its sync server on one local URL.
 * `--port N` (default 5180, `0` for any free port), `--host H` (default
 * 127.0.0.1), `--data FILE` keeps the hub's data in a SQLite file (default:
 * in memory, gone when the process ends; the browsers keep theirs).
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startWebServer } from './server.js'

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

async function main(): Promise<void> {
  const port = Number(arg('port') ?? process.env.PORT ?? 5180)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535`)
  const data = arg('data')
  const backend = data === undefined ? undefined : await (await import('@engram/backend-sqlite')).SqliteBackend.open(data)
  const pageDir = join(dirname(fileURLToPath(import.meta.url)), 'page')
  const server = await startWebServer({ pageDir, port, host: arg('host') ?? '127.0.0.1', ...(backend ? { backend } : {}) })
  console.log(server.url)
  const stop = (): void => {
    void server.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
