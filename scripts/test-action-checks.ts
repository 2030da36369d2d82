/**
 * The test-action job's checks of the actions after the root one (its outputs, as the check step
 * passes them in env, against what the stand-ins hold): the KEK rotation of the `run:` step,
 * `./rewrap`, `./inventory` again, `./estate` on the demo estate, `./restore-keys` and `./copy-keys`.
 */
import type { LifeCycleDump } from './test-action-world.ts'

const json = <T>(text: string): T | undefined => {
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}

export function checkLifeCycle(dump: LifeCycleDump, out: (name: string) => string, run: string): string[] {
  const problems: string[] = []
  const expect = (ok: boolean, what: string) => {
    if (!ok) problems.push(what)
  }
  const [created, rewrapped] = dump.secrets
  const [kekV1, kekV2] = dump.keks

  // The run: step rotated the KEK through the stand-ins: a second version, the one it printed.
  expect(dump.keks.length === 2, `the KEK has ${dump.keks.length} versions, not 2 after the rotation`)
  expect(
    !!kekV2 && out('rotated-kek-url') === kekV2,
    `the rotation step's kek-url '${out('rotated-kek-url')}' is not the KEK's new version`
  )

  // ./rewrap moved the action's secret onto the new version: the same key, a new version tagged with it.
  const entries = json<Array<Record<string, unknown>>>(out('rewrapped')) ?? []
  expect(
    entries.length === 1 &&
      entries[0]!['previous-secret-url'] === created?.id &&
      entries[0]!['secret-url'] === rewrapped?.id &&
      entries[0]!['previous-kek-url'] === kekV1 &&
      entries[0]!['kek-url'] === kekV2,
    `rewrap output rewrapped '${out('rewrapped')}' is not the action's secret moved from the KEK's first version to its second`
  )
  expect(
    !!rewrapped && rewrapped.tags['DiskEncryptionKeyEncryptionKeyURL'] === kekV2 && rewrapped.contentType === 'Wrapped BEK',
    "the rewrapped version is not a 'Wrapped BEK' tagged with the KEK's new version"
  )
  expect(!!rewrapped && rewrapped.keySha256 === created?.keySha256, 'the rewrapped version does not unwrap to the same key')
  expect(
    rewrapped?.tags['CreatedBy'] === run,
    `the rewrapped version's CreatedBy '${rewrapped?.tags['CreatedBy']}' is not this run, ${run}`
  )

  // ./inventory again: the new version on the current KEK version, the old one on a version no longer current.
  const beks = json<Array<Record<string, unknown>>>(out('inventory-after-beks')) ?? []
  const state = (id?: string) => beks.find((b) => b['secret-url'] === id)?.['kek-state']
  expect(
    beks.length === 2 && state(rewrapped?.id) === 'ok' && state(created?.id) === 'not-current',
    `inventory (after the rewrap) beks '${out('inventory-after-beks')}' is not the rewrapped version on an ok KEK version and the first on a not-current one`
  )
  expect(
    out('inventory-after-at-risk-count') === '0',
    `inventory (after the rewrap) at-risk-count '${out('inventory-after-at-risk-count')}' is not 0`
  )

  // ./estate on the demo estate (emulator/estate.ts): the counts __tests__/actions/estate/estate.test.ts proves.
  for (const [name, want] of [
    ['estate-ade-vm-count', '6'],
    ['estate-ade-disk-count', '9'],
    ['estate-at-risk-count', '2'],
    ['estate-unknown-count', '0']
  ] as const)
    expect(out(name) === want, `estate output ${name.slice(7)} '${out(name)}' is not ${want}, the demo estate's`)

  // ./restore-keys from the recovery point: the lost KEK and secret are back, and unwrap to the backed-up key.
  const [restored] = dump.restore.secrets
  expect(dump.restore.secrets.length === 1, `the restore vault holds ${dump.restore.secrets.length} secret versions, not 1`)
  expect(out('restored-secret-url') === restored?.id, `restore-keys secret-url '${out('restored-secret-url')}' is not the restored secret`)
  expect(
    dump.restore.keks.includes(out('restored-kek-url')),
    `restore-keys kek-url '${out('restored-kek-url')}' is not a version of the restored KEK`
  )
  expect(restored?.keySha256 === dump.restore.keySha256, 'the restored secret does not unwrap to the key Azure Backup took')
  expect(
    out('restored-kek-restored') === 'true' && out('restored-secret-restored') === 'true',
    `restore-keys kek-restored '${out('restored-kek-restored')}' / secret-restored '${out('restored-secret-restored')}' are not both true`
  )
  const settings = json<{ diskEncryptionKey?: { secretUrl?: string } }>(out('restored-encryption-settings'))
  expect(
    settings?.diskEncryptionKey?.secretUrl === restored?.id,
    `restore-keys encryption-settings '${out('restored-encryption-settings')}' does not name the restored secret`
  )

  // ./copy-keys copied the root action's first version to the DR vault: one version there, on its KEK, the same key.
  const copied = json<Array<Record<string, unknown>>>(out('copied')) ?? []
  const [copy] = dump.copies
  expect(dump.copies.length === 1, `the DR vault holds ${dump.copies.length} secret versions, not 1`)
  expect(
    copied.length === 1 &&
      copied[0]!['source-secret-url'] === created?.id &&
      copied[0]!['secret-url'] === copy?.id &&
      copied[0]!['state'] === 'stored' &&
      copied[0]!['kek-url'] === copy?.kekUrl,
    `copy-keys output copied '${out('copied')}' is not the action's secret stored once in the DR vault`
  )
  expect(!!copy && copy.keySha256 === created?.keySha256, 'the copy in the DR vault does not unwrap to the same key as its source')
  return problems
}
