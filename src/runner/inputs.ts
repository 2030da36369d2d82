/**
 * Reading one input as the runner passes it, and the checks every action's inputs share. A bad
 * input throws an InputError that names the input, the problem and the form that is allowed.
 * Nothing here loads @actions/core (and the node:crypto it brings), so inputs are read and
 * checked before the first connection opens.
 */

/** One input as `core.getInput` reads it: `INPUT_<NAME>`, spaces as underscores, trimmed. */
export function actionInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

export type ReadInput = (name: string) => string

export class InputError extends Error {
  readonly input: string
  constructor(input: string, problem: string) {
    super(`Input '${input}': ${problem}`)
    this.input = input
  }
}

export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

export function parseChoice<T extends string>(input: string, value: string, allowed: readonly T[], fallback: T): T {
  const text = value.trim()
  if (!text) return fallback
  const match = allowed.find((choice) => choice.toLowerCase() === text.toLowerCase())
  if (!match) throw new InputError(input, `'${text}' is not allowed; use one of ${allowed.join(', ')}`)
  return match
}

export function parseBoolean(input: string, value: string, fallback: 'true' | 'false' = 'false'): boolean {
  return parseChoice(input, value, ['true', 'false'] as const, fallback) === 'true'
}

export function parseInteger(input: string, value: string, min: number, max: number, fallback: number): number {
  const text = value.trim()
  if (!text) return fallback
  const number = /^\d+$/.test(text) ? Number(text) : NaN
  if (!(number >= min && number <= max)) throw new InputError(input, `'${text}' is not a whole number from ${min} to ${max}`)
  return number
}

/** The non-empty lines of a multi-line input, trimmed. */
export function inputLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
}

/** `expected` says what to give instead, for the input at hand. */
export function parseHttpsUrl(input: string, text: string, expected: () => string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new InputError(input, `'${text}' is not a URL; ${expected()}`)
  }
  if (url.protocol !== 'https:') throw new InputError(input, `'${text}' must use https`)
  if (url.username || url.password) throw new InputError(input, `'${text}' must not carry user information`)
  return url
}
