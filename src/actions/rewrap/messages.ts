/** The rewrap's run-level messages: the legacy-padding warning and the closing line of a failed run. */
import { untrusted } from '../../runner/untrusted.ts'
import type { RewrapReport } from './report.ts'

const LISTED = 20

/** RSA1_5 as the root action warns about it; `names`: the secrets that keep it, when the input did not choose it. */
export function legacyPaddingWarning(names?: readonly string[], dryRun = false): string {
  const padding = 'RSA1_5 uses legacy PKCS#1 v1.5 padding; prefer RSA-OAEP or RSA-OAEP-256'
  if (!names) return `${padding}.`
  const listed = names.slice(0, LISTED).map((name) => untrusted(name))
  const more = names.length > LISTED ? ` and ${names.length - LISTED} more` : ''
  return (
    `${names.length} secret(s) are wrapped with RSA1_5 and ${dryRun ? 'would keep' : 'kept'} it: ${listed.join(', ')}${more}. ` +
    `${padding}: set algorithm: RSA-OAEP to rewrap with OAEP padding.`
  )
}

/** The step's last line when some secrets failed: how many of how many, and what became of the rest. */
export function finalMessage(failed: number, selected: number, report: RewrapReport, dryRun: boolean): string {
  if (dryRun) {
    return `${failed} of ${selected} secret(s) would not be rewrapped (each listed above with what to do); nothing was stored.`
  }
  const rest = [
    report.rewrapped.length > 0 ? `${report.rewrapped.length} rewrapped` : '',
    report.skipped.length > 0 ? `${report.skipped.length} skipped` : ''
  ].filter(Boolean)
  const others = failed === selected ? 'none was rewrapped' : rest.length > 0 ? `the others: ${rest.join(', ')}` : 'no other was rewrapped'
  return `${failed} of ${selected} secret(s) were not rewrapped (each listed above with what to do); ${others}. Fix each as it says and re-run: rewrapped secrets are skipped.`
}

/** One secret's failure on one line, its name first and once ("d-1: d-1: …" read as two secrets). */
export function failureLine(name: string, said: string, dryRun: boolean): string {
  const named = said.startsWith(`The secret ${name} `)
  if (dryRun) return named ? `Would fail: ${said}` : `${name}: would fail: ${said}`
  return named ? said : `${name}: ${said}`
}

/** Secrets tagged as Windows .BEK files that hold a raw key: rewrapped as they are, but BitLocker cannot use them. */
export function rawKeyWarning(names: readonly string[], dryRun = false): string {
  const listed = names.slice(0, LISTED).map((name) => untrusted(name))
  const more = names.length > LISTED ? ` and ${names.length - LISTED} more` : ''
  return (
    `${names.length} secret(s) tagged with a Windows <GUID>.BEK file name hold a raw 32-byte key, not a BitLocker startup-key file: ${listed.join(', ')}${more}. ` +
    `${dryRun ? 'They would be' : 'They were'} rewrapped as they are, but BitLocker cannot unlock with them: see docs/windows-bek.md to store the .BEK file instead.`
  )
}
