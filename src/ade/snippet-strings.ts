/**
 * Values quoted as literals of the languages the summaries' snippets are in, so that no URL,
 * ID or name in a pasted snippet can end its string or interpolate: the root action's and
 * restore-keys' next steps share them.
 */

/** A Bicep single-quoted string holding `value` literally: no escape ends it, no `${` interpolates. */
export function bicepString(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what must be escaped
  const escaped = value.replace(/[\\'$\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\\' || c === "'" || c === '$') return `\\${c}`
    if (c === '\n') return '\\n'
    if (c === '\r') return '\\r'
    if (c === '\t') return '\\t'
    return `\\u{${c.charCodeAt(0).toString(16)}}`
  })
  return `'${escaped}'`
}

/**
 * A PowerShell single-quoted string holding `value` literally. PowerShell also ends such a
 * string at the typographic single quotes, so those are doubled too.
 */
export function powerShellString(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (c) => c + c)}'`
}
