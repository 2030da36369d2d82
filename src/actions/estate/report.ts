/**
 * The estate's outputs: the counts first (always set, also when the step then fails), then
 * vms, disks and kek-versions as JSON; an output over GitHub's 1 MB limit is left out with a
 * warning, never cut.
 */
import * as core from '@actions/core'
import type { ReportCell, ReportFile, ReportRow } from '../../runner/report-file.ts'
import { untrusted } from '../../runner/untrusted.ts'
import type { DiskReport, Estate, VmReport } from './analysis.ts'

/** ADE's retirement: after it, ADE-encrypted disks fail to unlock at reboot. */
export const RETIREMENT = '2028-09-15'
/** GitHub's limit for one output. */
const MAX_OUTPUT_BYTES = 1_000_000

export interface Counts {
  readonly atRisk: number
  /** Disks and snapshots whose keys could not be read (no-access), and subscriptions that could not be read. */
  readonly unknown: number
  /** VMs and scale sets with ADE. */
  readonly adeVms: number
  /** Disks with ADE, not snapshots. */
  readonly adeDisks: number
  readonly adeSnapshots: number
  readonly daysToRetirement: number
}

/** Whole days from today's UTC date to the retirement date. */
export function daysToRetirement(now = new Date()): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  return Math.round((Date.parse(`${RETIREMENT}T00:00:00Z`) - today) / 86_400_000)
}

export function countsOf(estate: Estate, unreadableSubscriptions: number): Counts {
  return {
    atRisk: estate.disks.filter((d) => d.atRisk).length,
    unknown: estate.disks.filter((d) => d.unknown).length + unreadableSubscriptions,
    adeVms: estate.vms.filter((vm) => vm.path !== 'not-ade').length,
    adeDisks: estate.disks.filter((d) => d.kind === 'disk').length,
    adeSnapshots: estate.disks.filter((d) => d.kind === 'snapshot').length,
    daysToRetirement: daysToRetirement()
  }
}

export function setCounts(counts: Counts): void {
  core.setOutput('at-risk-count', String(counts.atRisk))
  core.setOutput('unknown-count', String(counts.unknown))
  core.setOutput('ade-vm-count', String(counts.adeVms))
  core.setOutput('ade-disk-count', String(counts.adeDisks))
  core.setOutput('days-to-retirement', String(counts.daysToRetirement))
}

const diskOfVm = (d: DiskReport) => ({
  id: d.id,
  role: d.role ?? null,
  lun: d.lun ?? null,
  state: d.state,
  'secret-url': d.secretUrl,
  'kek-url': d.kekUrl ?? null,
  secret: d.secret ?? null,
  kek: d.kek ?? null,
  'kek-facts': d.kekFacts,
  unwrap: d.unwrap,
  'at-risk': d.atRisk
})

const vmOutput = (vm: VmReport) => ({
  id: vm.id,
  name: vm.name,
  kind: vm.kind,
  'os-type': vm.osType ?? null,
  ade: vm.ade ? { pass: vm.ade.pass, extension: vm.ade.extension ?? null, version: vm.ade.version ?? null } : null,
  'power-state': vm.powerState ?? null,
  'encryption-at-host': vm.encryptionAtHost,
  disks: vm.disks.map(diskOfVm),
  migration: { path: vm.path, blockers: vm.blockers }
})

const diskOutput = (d: DiskReport) => {
  const { id, ...rest } = diskOfVm(d)
  return { id, kind: d.kind, 'managed-by': d.managedBy ?? null, vm: d.vm ?? null, ...rest }
}

const kekVersionOutput = (k: Estate['kekVersions'][number]) => ({
  'kek-url': k.kekUrl,
  state: k.state,
  facts: k.facts,
  disks: k.disks,
  vms: k.vms,
  'safe-to-disable': k.safeToDisable
})

export function setOutputs(estate: Estate, reportFile: ReportFile | undefined): void {
  const vms = within('vms', estate.vms.map(vmOutput), reportFile)
  if (vms) core.setOutput('vms', vms)
  const disks = within('disks', estate.disks.map(diskOutput), reportFile)
  if (disks) core.setOutput('disks', disks)
  const kekVersions = within('kek-versions', estate.kekVersions.map(kekVersionOutput), reportFile)
  if (kekVersions) core.setOutput('kek-versions', kekVersions)
}

/** The output's JSON, or undefined (with a warning) when it would pass GitHub's limit: never cut. */
function within(name: string, value: unknown, reportFile: ReportFile | undefined): string | undefined {
  const text = JSON.stringify(value)
  const bytes = Buffer.byteLength(text)
  if (bytes <= MAX_OUTPUT_BYTES) return text
  const rest = reportFile
    ? `the whole report is in report-file ${untrusted(reportFile.shown, 300)}`
    : 'set report-file to get the whole report as a file, or run one job per subscription or resource group'
  core.warning(`Output '${name}' left out: it is ${bytes} bytes, over GitHub's limit of 1 MB for an output. The counts are set; ${rest}.`)
  return undefined
}

/** The CSV's columns: one row per disk and snapshot. */
export const REPORT_COLUMNS = ['id', 'vm', 'role', 'lun', 'state', 'secret-url', 'kek-url', 'secret', 'kek', 'unwrap', 'at-risk'] as const

/** report-file: the JSON document (everything, with the counts), and the CSV's rows. */
export function reportOf(estate: Estate, counts: Counts, subscriptions: readonly string[]): { document: unknown; rows: ReportRow[] } {
  const document = {
    generated: new Date().toISOString(),
    subscriptions,
    vms: estate.vms.map(vmOutput),
    disks: estate.disks.map(diskOutput),
    'kek-versions': estate.kekVersions.map(kekVersionOutput),
    'at-risk-count': counts.atRisk,
    'unknown-count': counts.unknown,
    'ade-vm-count': counts.adeVms,
    'ade-disk-count': counts.adeDisks,
    'days-to-retirement': counts.daysToRetirement
  }
  // The CSV's columns, from each disk's entry of the disks output.
  const rows = estate.disks.map(diskOutput).map((entry) => {
    const row: Record<string, ReportCell> = {}
    for (const column of REPORT_COLUMNS) row[column] = entry[column]
    return row
  })
  return { document, rows }
}
