/** Small timing helpers shared by the benchmarks. */

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up); returns operations per second. */
export async function opsPerSecond(fn: () => unknown, ms = 1000, batch = 1): Promise<number> {
  const warmEnd = performance.now() + Math.min(200, ms / 5)
  while (performance.now() < warmEnd) await fn()
  let ops = 0
  const start = performance.now()
  let now = start
  while (now - start < ms) {
    await fn()
    ops += batch
    now = performance.now()
  }
  return (ops * 1000) / (now - start)
}

/** Median wall time of `fn` in milliseconds over `runs` runs. */
export async function medianMs(fn: () => unknown, runs = 5): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** Prints rows as an aligned table. */
export function table(rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map(String))
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  for (const r of cells) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
}
