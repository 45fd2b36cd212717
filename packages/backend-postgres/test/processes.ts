/** Runs test/child-writer.ts as separate node processes (bundled once with esbuild). */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'

const pkg = resolve(import.meta.dirname, '..')
let bundled: Promise<string> | undefined

/** The child bundled next to this package's node_modules (so `pg` resolves). */
export function bundleChild(): Promise<string> {
  bundled ??= (async () => {
    const dir = join(pkg, 'node_modules', '.engram-test')
    mkdirSync(dir, { recursive: true })
    const outfile = join(dir, 'child-writer.mjs')
    await build({
      entryPoints: [join(pkg, 'test', 'child-writer.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@engram/source'],
      external: ['pg'],
      logLevel: 'silent',
    })
    return outfile
  })()
  return bundled
}

export interface Writer {
  child: ChildProcess
  /** Ids whose `put` resolved (printed before the process died). */
  acked: string[]
  /** Ids whose metadata and local key writes resolved. */
  metaAcked: string[]
  /** Resolves at the first ack. */
  firstAck: Promise<void>
  exited: Promise<number | null>
  stderr: () => string
}

export async function startWriter(url: string, schema: string, label: string, count: number, mode: 'chain' | 'shared'): Promise<Writer> {
  const script = await bundleChild()
  const child = spawn(process.execPath, [script, url, schema, label, String(count), mode], { stdio: ['ignore', 'pipe', 'pipe'], cwd: pkg })
  const acked: string[] = []
  const metaAcked: string[] = []
  let err = ''
  let buffer = ''
  let onAck: () => void = () => {}
  const firstAck = new Promise<void>((r) => (onAck = r))
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk
    const lines = buffer.split('\n')
    buffer = lines.pop()!
    for (const line of lines) {
      if (line.startsWith('ack ')) {
        acked.push(line.slice(4))
        onAck()
      } else if (line.startsWith('meta ')) metaAcked.push(line.slice(5))
    }
  })
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (c: string) => (err += c))
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)))
  return { child, acked, metaAcked, firstAck, exited, stderr: () => err }
}
