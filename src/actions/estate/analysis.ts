/**
 * The estate judged: per disk and snapshot whether its key would unlock it at the next boot
 * (or a later attach or restore), per VM and scale set its way off ADE and what blocks it, per
 * KEK version whether anything still needs it. Pure: everything was read before.
 */
import { type KekFact, type KekState, type KeyFindings, type UnwrapState, pairKey, parseSecretVersion } from './keys.ts'
import type { Probe } from './inputs.ts'
import { parseKekVersion } from '../../ade/kek-state.ts'
import type { Cloud } from '../../net/clouds.ts'
import type { AdeExtension, AdeSettings, DiskRecord, VmRecord } from './parse.ts'
import type { SubscriptionEstate } from './read.ts'
import type { SecretState } from './secret-read.ts'

export type Path = 'windows-decrypt-then-copy' | 'linux-data-decrypt' | 'linux-os-rebuild' | 'dual-pass-upgrade-first' | 'vmss' | 'not-ade'
export type Blocker =
  | 'key-at-risk'
  | 'stamped-not-encrypted'
  | 'size-without-encryption-at-host'
  | 'encryption-at-host-not-registered'
  | 'deallocated-state-unknown'

export interface DiskReport {
  readonly id: string
  readonly kind: 'disk' | 'snapshot'
  readonly managedBy?: string
  readonly vm?: string
  readonly role?: 'os' | 'data'
  readonly lun?: number
  readonly state: 'encrypted' | 'not-encrypted' | 'unknown'
  readonly secretUrl: string
  readonly kekUrl?: string
  /** Undefined with probe: none (Resource Manager only). */
  readonly secret?: SecretState
  readonly kek?: KekState
  readonly kekFacts: readonly KekFact[]
  readonly unwrap: UnwrapState
  readonly atRisk: boolean
  readonly unknown: boolean
}

export interface VmReport {
  readonly id: string
  readonly name: string
  readonly kind: 'vm' | 'vmss'
  readonly osType?: 'linux' | 'windows'
  readonly ade?: { readonly pass: 'single' | 'dual'; readonly extension?: string; readonly version?: string }
  readonly powerState?: string
  readonly encryptionAtHost: boolean
  readonly disks: readonly DiskReport[]
  readonly path: Path
  readonly blockers: readonly Blocker[]
}

export interface KekVersionReport {
  readonly kekUrl: string
  readonly state: KekState
  readonly facts: readonly KekFact[]
  readonly disks: number
  readonly vms: number
  readonly safeToDisable: boolean
}

export interface Estate {
  readonly vms: readonly VmReport[]
  readonly disks: readonly DiskReport[]
  readonly kekVersions: readonly KekVersionReport[]
}

const AT_RISK_SECRET: readonly SecretState[] = ['missing', 'disabled', 'not-a-wrapped-bek', 'kek-mismatch']
const AT_RISK_KEK: readonly KekState[] = ['disabled', 'missing', 'no-unwrap']
const byId = <T extends { id: string }>(a: T, b: T): number => a.id.toLowerCase().localeCompare(b.id.toLowerCase())

export function judgeEstate(reads: readonly SubscriptionEstate[], findings: KeyFindings, probe: Probe, cloud: Cloud): Estate {
  const judge = (
    settings: AdeSettings,
    base: Omit<DiskReport, 'secretUrl' | 'secret' | 'kek' | 'kekFacts' | 'unwrap' | 'atRisk' | 'unknown'>
  ) => judgeDisk(settings, base, findings, probe, cloud)
  const vms: VmReport[] = []
  const disks: DiskReport[] = []
  for (const read of reads) {
    const diskById = new Map(read.disks.map((d) => [d.id.toLowerCase(), d]))
    const attached = new Set<string>()
    for (const vm of read.vms) {
      const report = judgeVm(vm, read, diskById, judge)
      vm.dataDisks.forEach((d) => attached.add(d.id.toLowerCase()))
      attached.add(vm.osDisk.id.toLowerCase())
      vms.push(report)
      disks.push(...report.disks)
    }
    const loose = (d: DiskRecord): DiskReport[] =>
      d.settings
        ? [judge(d.settings, { id: d.id, kind: d.kind, ...(d.managedBy ? { managedBy: d.managedBy } : {}), state: 'unknown' })]
        : []
    disks.push(...read.disks.filter((d) => !attached.has(d.id.toLowerCase())).flatMap(loose), ...read.snapshots.flatMap(loose))
    for (const set of read.scaleSets) {
      const dual = set.extension ? isDualPass(set.extension, set.osType) : false
      vms.push({
        id: set.id,
        name: set.name,
        kind: 'vmss',
        ...(set.osType ? { osType: set.osType } : {}),
        ...(set.extension ? { ade: adeOf(dual, set.extension, set.osType) } : {}),
        encryptionAtHost: false,
        disks: [],
        path: set.extension ? 'vmss' : 'not-ade',
        blockers: set.extension ? hostBlockers(read, set.location, set.vmSize) : []
      })
    }
  }
  return { vms: vms.sort(byId), disks: disks.sort(byId), kekVersions: kekVersionReports(disks, findings) }
}

type Judge = (
  settings: AdeSettings,
  base: Omit<DiskReport, 'secretUrl' | 'secret' | 'kek' | 'kekFacts' | 'unwrap' | 'atRisk' | 'unknown'>
) => DiskReport

function judgeVm(vm: VmRecord, read: SubscriptionEstate, diskById: ReadonlyMap<string, DiskRecord>, judge: Judge): VmReport {
  const view = read.views.get(vm.id.toLowerCase())
  const stateOf = (name: string): DiskReport['state'] =>
    view?.guestState ? (view.diskStates.get(name.toLowerCase()) ?? 'unknown') : 'unknown'
  const osDisk = diskById.get(vm.osDisk.id.toLowerCase())
  const osSettings = vm.modelSettings ?? osDisk?.settings
  const base = (id: string, role: 'os' | 'data', name: string, lun?: number) => ({
    id,
    kind: 'disk' as const,
    // An unmanaged OS disk has no disk resource: the VM holds it.
    managedBy: diskById.get(id.toLowerCase())?.managedBy ?? vm.id,
    vm: vm.id,
    role,
    ...(lun !== undefined ? { lun } : {}),
    state: stateOf(name)
  })
  const disks = [
    ...(osSettings ? [judge(osSettings, base(vm.osDisk.id, 'os', vm.osDisk.name))] : []),
    ...vm.dataDisks.flatMap((d) => {
      const settings = diskById.get(d.id.toLowerCase())?.settings
      return settings ? [judge(settings, base(d.id, 'data', d.name, d.lun))] : []
    })
  ].sort((a, b) => (a.lun ?? -1) - (b.lun ?? -1))
  const extension = vm.extension ?? view?.extension
  const common = {
    id: vm.id,
    name: vm.name,
    kind: 'vm' as const,
    ...(vm.osType ? { osType: vm.osType } : {}),
    ...(view?.powerState ? { powerState: view.powerState } : {}),
    encryptionAtHost: vm.encryptionAtHost,
    disks
  }
  if (disks.length === 0 && !extension) return { ...common, path: 'not-ade', blockers: [] }
  const dual = vm.modelSettings !== undefined || (extension ? isDualPass(extension, vm.osType) : false)
  const path: Path = dual
    ? 'dual-pass-upgrade-first'
    : vm.osType === 'windows'
      ? 'windows-decrypt-then-copy'
      : disks.some((d) => d.role === 'os')
        ? 'linux-os-rebuild'
        : 'linux-data-decrypt'
  const blockers: Blocker[] = [
    ...(disks.some((d) => d.atRisk) ? (['key-at-risk'] as const) : []),
    ...(disks.some((d) => d.state === 'not-encrypted') ? (['stamped-not-encrypted'] as const) : []),
    ...hostBlockers(read, vm.location, vm.vmSize),
    ...(view?.powerState === 'deallocated' || !view?.guestState ? (['deallocated-state-unknown'] as const) : [])
  ]
  return { ...common, ade: adeOf(dual, extension, vm.osType), path, blockers }
}

function hostBlockers(read: SubscriptionEstate, location: string, size: string | undefined): Blocker[] {
  const supported = size ? read.sizes.get(location.toLowerCase())?.get(size.toLowerCase()) : undefined
  return [
    ...(supported !== true ? (['size-without-encryption-at-host'] as const) : []),
    ...(read.featureState !== 'Registered' ? (['encryption-at-host-not-registered'] as const) : [])
  ]
}

/** Windows 1.1 and Linux 0.1 are the dual-pass extensions (with an Azure AD app). */
function isDualPass(extension: AdeExtension, osType: VmRecord['osType']): boolean {
  const linux = extension.type === 'AzureDiskEncryptionForLinux' || osType === 'linux'
  const version = extension.version ?? ''
  return linux ? /^0\./.test(version) : /^1\./.test(version)
}

function adeOf(dual: boolean, extension: AdeExtension | undefined, osType: VmRecord['osType']): NonNullable<VmReport['ade']> {
  const type =
    extension?.type ?? (osType === 'windows' ? 'AzureDiskEncryption' : osType === 'linux' ? 'AzureDiskEncryptionForLinux' : undefined)
  return {
    pass: dual ? 'dual' : 'single',
    ...(type ? { extension: type } : {}),
    ...(extension?.version ? { version: extension.version } : {})
  }
}

function judgeDisk(
  settings: AdeSettings,
  base: Omit<DiskReport, 'secretUrl' | 'secret' | 'kek' | 'kekFacts' | 'unwrap' | 'atRisk' | 'unknown'>,
  findings: KeyFindings,
  probe: Probe,
  cloud: Cloud
): DiskReport {
  const kekRef = settings.kekUrl ? parseKekVersion(settings.kekUrl, cloud) : undefined
  let secret: SecretState | undefined
  let kek: KekState | undefined
  let kekFacts: readonly KekFact[] = []
  if (probe !== 'none') {
    const read = parseSecretVersion(settings.secretUrl, cloud) ? findings.secrets.get(settings.secretUrl.toLowerCase()) : undefined
    secret = read?.state ?? 'missing'
    const tag = read?.kekTag?.toLowerCase()
    if (secret === 'ok' && tag !== undefined && tag !== kekRef?.url.toLowerCase()) secret = 'kek-mismatch'
    if (settings.kekUrl) {
      const kekRead = kekRef ? findings.keks.get(settings.kekUrl.toLowerCase()) : undefined
      kek = kekRead?.state ?? 'missing'
      kekFacts = kekRead?.facts ?? []
    }
  }
  const unwrap = findings.unwraps.get(pairKey(settings.secretUrl, settings.kekUrl)) ?? 'not-probed'
  const atRisk =
    (secret !== undefined && AT_RISK_SECRET.includes(secret)) || (kek !== undefined && AT_RISK_KEK.includes(kek)) || unwrap === 'failed'
  const unknown = !atRisk && (secret === 'no-access' || kek === 'no-access')
  return {
    ...base,
    secretUrl: settings.secretUrl,
    ...(settings.kekUrl ? { kekUrl: settings.kekUrl } : {}),
    ...(secret ? { secret } : {}),
    ...(kek ? { kek } : {}),
    kekFacts,
    unwrap,
    atRisk,
    unknown
  }
}

/** Every version of every referenced KEK, with how many disks and snapshots (and VMs) name it. */
function kekVersionReports(disks: readonly DiskReport[], findings: KeyFindings): KekVersionReport[] {
  const versions = new Map<string, { kekUrl: string; state: KekState; facts: readonly KekFact[] }>()
  for (const [url, read] of findings.versions) versions.set(url.toLowerCase(), { kekUrl: url, ...read })
  // A referenced version's own read knows more than the list (key_ops), and a missing one is not listed.
  for (const d of disks) {
    if (!d.kekUrl || !d.kek) continue
    const key = d.kekUrl.toLowerCase()
    const read = findings.keks.get(key)
    versions.set(key, { kekUrl: versions.get(key)?.kekUrl ?? d.kekUrl, state: read?.state ?? d.kek, facts: read?.facts ?? d.kekFacts })
  }
  return [...versions]
    .map(([key, v]) => {
      const naming = disks.filter((d) => d.kekUrl?.toLowerCase() === key)
      const vms = new Set(naming.flatMap((d) => (d.vm ? [d.vm.toLowerCase()] : [])))
      return { ...v, disks: naming.length, vms: vms.size, safeToDisable: naming.length === 0 }
    })
    .sort((a, b) => a.kekUrl.toLowerCase().localeCompare(b.kekUrl.toLowerCase()))
}
