/**
 * Turns an error into the one sentence the demo prints (never a stack trace).
 */

export function explain(err: unknown, dataFile: string): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
  const message = err instanceof Error ? err.message : String(err)
  switch (code) {
    case 'INVALID_PASSWORD':
      return "Wrong password for alice; nothing was changed. (Set ENGRAM_DEMO_PASSWORD or type the password you chose on the first run.)"
    case 'PASSWORD_REQUIRED':
      return 'alice has a password; the demo needs it to log her in.'
    case 'CORRUPT_SNAPSHOT':
    case 'CORRUPT_STORE':
      return `The data file ${dataFile} is corrupt; move it aside to start fresh.`
    case 'SNAPSHOT_READ_FAILED':
      return `The data file ${dataFile} could not be read: ${message}`
    case 'SNAPSHOT_WRITE_FAILED':
    case 'STORAGE_FULL':
    case 'STORAGE_ERROR':
      return `The data could not be saved to ${dataFile}: ${message}`
    case 'SYSTEM_DATABASE_MISSING':
    case 'SYSTEM_DATABASE_DUPLICATE':
    case 'DEVICE_KEY_MISSING':
    case 'DEVICE_KEY_MISMATCH':
    case 'UNSUPPORTED_FORMAT':
      return `The data file ${dataFile} does not hold a usable Engram instance (${String(code)}); move it aside to start fresh.`
    case 'USER_NOT_FOUND':
    case 'DATABASE_NOT_FOUND':
    case 'NO_KEY_FOR_DATABASE':
      return `The data file ${dataFile} was not written by this demo (${String(code)}); move it aside to start fresh.`
    default:
      return typeof code === 'string' ? `The demo failed: ${message} (${code}).` : `The demo failed: ${message}`
  }
}
