/**
 * The post step: deletes the key files the main step wrote (key-output-file). It reads the
 * runner's state and writes workflow commands directly: @actions/core would bring an HTTP
 * client into a bundle that needs none.
 */
import { wipeHandedOffKeys } from '../../handoff/wipe.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { command } from '../../runner/workflow-command.ts'

/** What core.getState reads: the runner passes each saved state as STATE_<name>. */
const state = (name: string): string => process.env[`STATE_${name}`] ?? ''

const report = wipeHandedOffKeys(state)
for (const path of report.deleted) process.stdout.write(`Overwrote with zeros and deleted the key file ${untrusted(path)}\n`)
if (report.countProblem) command('warning', `The number of key files in this action's state ${untrusted(report.countProblem)}.`)
for (const { path, reason, command: byHand } of report.refused) {
  command(
    'error',
    `Did not delete ${untrusted(path)}, which this action's state names as a key file: ${untrusted(reason)}. ` +
      `If it is a key file this job wrote, delete it yourself: ${untrusted(byHand)}`
  )
}
for (const { path, reason, command: byHand } of report.failed) {
  command('error', `Could not delete the key file ${untrusted(path)} (${untrusted(reason)}); delete it yourself: ${untrusted(byHand)}`)
}
if (report.failed.length > 0 || report.refused.length > 0) process.exitCode = 1
