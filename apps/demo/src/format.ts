/**
 * Output helpers for the demo: aligned text tables and short ids.
 */

/** Renders rows under headers as aligned columns (numbers right-aligned). */
export function formatTable(headers: string[], rows: (string | number)[][]): string[] {
  const cells = [headers, ...rows.map((r) => r.map(String))]
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'))
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)))
  const pad = (text: string, i: number) => {
    const fill = ' '.repeat(widths[i]! - [...text].length)
    return numeric[i] ? fill + text : text + fill
  }
  const line = (r: string[]) => ('  ' + r.map((c, i) => pad(c, i)).join('  ')).trimEnd()
  return [line(headers), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)]
}

/** `sha256:1234abcd…` — enough of an id to recognise it. */
export function shortId(id: string, keep = 12): string {
  const [prefix, rest] = id.includes(':') ? [id.slice(0, id.indexOf(':') + 1), id.slice(id.indexOf(':') + 1)] : ['', id]
  return rest.length > keep ? `${prefix}${rest.slice(0, keep)}…` : id
}
