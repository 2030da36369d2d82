/**
 * The one way text from outside the action reaches a log line, a warning, an error or the job
 * summary: vault answers, tags, ids, token claims, file names and inputs echoed back.
 *
 * The runner treats any stdout line that starts with `::` as a command, and `core.info` does
 * not escape anything. So a value may never bring its own line break, nor begin a line with
 * `::`. Control characters are shown as escapes rather than dropped, so a user can still see
 * what the vault really said.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }
const DEFAULT_MAX = 512

/** `value` as one printable line: control characters escaped, no leading `::`, at most `max` characters. */
export function untrusted(value: unknown, max = DEFAULT_MAX): string {
  let text = String(value).replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  if (text.length > max) text = `${text.slice(0, max)}…`
  return text.replace(/^(\s*):/, '$1\\:')
}

/** `value` for the job summary's HTML: one printable line, with markup characters escaped. */
export function untrustedHtml(value: unknown, max = DEFAULT_MAX): string {
  return escapeHtml(untrusted(value, max))
}

/** Escapes HTML markup characters (and Markdown's backtick); for text the action itself wrote too. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`|]/g, (c) => `&#${c.charCodeAt(0)};`)
}
