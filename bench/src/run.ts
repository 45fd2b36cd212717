/**
 * Runs every benchmark in this folder, one after another, in one process,
 * so ratios inside a suite compare figures measured in the same run.
 * `pnpm bench` (root) builds the packages first; benchmarks import the
 * built packages, as an application would.
 */
const suites = process.argv.slice(2)
const all = ['crypto', 'engine', 'user', 'limits', 'views', 'sync', 'backends', 'browser'] as const

for (const name of all) {
  if (suites.length > 0 && !suites.includes(name)) continue
  let mod: { run: () => Promise<void> }
  try {
    mod = await import(`./${name}.bench.ts`)
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes(`${name}.bench`)) continue
    throw err
  }
  console.log(`\n=== ${name} ===`)
  await mod.run()
}
