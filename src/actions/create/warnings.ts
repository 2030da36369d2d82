/** The step's warnings: each printed when it arises (::warning::) and kept for the summary. */
import * as core from '@actions/core'
import type { Settings } from './inputs.ts'
import { untrusted } from '../../runner/untrusted.ts'

export class Warnings {
  readonly all: string[] = []
  readonly warn = (message: string): void => {
    this.all.push(message)
    core.warning(message)
  }
}

/** What the inputs alone warrant a warning for, before any request. */
export function inputWarnings(settings: Settings): string[] {
  const warnings: string[] = []
  const bek = settings.keyFile?.bek
  if (bek && settings.secretNames[0] !== bek.protectorId) {
    warnings.push(
      `secret-name '${untrusted(settings.secretNames[0])}' differs from the BitLocker protector ID in key-file (${bek.protectorId}); ADE names Windows BEK secrets after that ID`
    )
  }
  if (settings.createdByWarning) warnings.push(settings.createdByWarning)
  if (settings.algorithm === 'RSA1_5') warnings.push('RSA1_5 uses legacy PKCS#1 v1.5 padding; prefer RSA-OAEP or RSA-OAEP-256.')
  if (settings.osType === 'windows' && !settings.keyFile) {
    warnings.push(
      'os-type is windows but the key is a raw generated key, not a BitLocker startup key (.BEK) file: BitLocker cannot unlock a volume with it. ' +
        'To register an existing BitLocker key, pass its file as key-file: <GUID>.BEK.'
    )
  }
  return warnings
}
