/**
 * The leak scan: what a run let a workflow see (its log without the runner's mask commands,
 * stderr, outputs, job summary, exported variables), searched for plaintext keys in every
 * encoding, tokens or any part of them, and wrapped values.
 */
import type { LocalAzure } from '../../emulator/index.ts'
import type { RunActionResult } from '../../emulator/runner.ts'

/** Everything a run printed or wrote where a workflow could see it, except the runner's mask commands. */
export function visible(result: RunActionResult): string {
  const masks = /^::add-mask::.*$/gm
  return [
    result.stdout.replace(masks, ''),
    result.stderr,
    JSON.stringify(result.outputs),
    result.summary,
    JSON.stringify(result.exportedEnv)
  ].join('\n')
}

export function encodings(secret: Buffer): string[] {
  return [
    secret.toString('base64'),
    secret.toString('base64url'),
    secret.toString('hex'),
    secret.toString('hex').toUpperCase(),
    secret.toString('base64').replace(/=+$/, '')
  ]
}

/** Every token the stand-ins issued so far: GitHub OIDC tokens and Entra access tokens. */
export function issuedTokens(azure: LocalAzure): string[] {
  return [...azure.github.issuedTokens, ...azure.entra.issuedTokens]
}

export interface Sensitive {
  readonly plaintexts?: readonly Buffer[]
  readonly tokens?: readonly string[]
  /** Wrapped values: allowed only on ::add-mask:: lines. */
  readonly wrapped?: readonly string[]
}

/** What of `sensitive` a run shows (empty: nothing). */
export function leaks(result: RunActionResult, sensitive: Sensitive): string[] {
  const text = visible(result)
  const found: string[] = []
  for (const [i, plaintext] of (sensitive.plaintexts ?? []).entries()) {
    for (const encoded of encodings(plaintext)) if (text.includes(encoded)) found.push(`plaintext #${i} (${encoded.slice(0, 8)}…)`)
  }
  for (const [i, token] of (sensitive.tokens ?? []).entries()) {
    // the token, or any part of it long enough to matter (the payload, the signature)
    for (const part of [token, ...token.split('.').slice(1)]) if (part && text.includes(part)) found.push(`token #${i}`)
  }
  for (const [i, value] of (sensitive.wrapped ?? []).entries()) if (text.includes(value)) found.push(`wrapped value #${i}`)
  return [...new Set(found)]
}
