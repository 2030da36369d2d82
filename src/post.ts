/**
 * The post step: deletes the key files the main step wrote (key-output-file). It reads the
 * runner's state and writes workflow commands directly: @actions/core would bring an HTTP
 * client into a bundle that needs none.
 */
import { removeKeyFiles } from './key-file-cleanup.ts'
import { untrusted } from './untrusted.ts'

/** What core.getState reads: the runner passes each saved state as STATE_<name>. */
const state = (name: string): string => process.env[`STATE_${name}`] ?? ''
/** A command's data, escaped as @actions/core does (a `%` would otherwise be decoded). */
const commandData = (text: string): string => text.replace(/%/g, '%25')

const report = removeKeyFiles(state)
for (const path of report.deleted) process.stdout.write(`Overwrote with zeros and deleted the key file ${untrusted(path)}\n`)
for (const { path, reason } of report.failed) {
  process.stdout.write(
    `::error::${commandData(`Could not delete the key file ${untrusted(path)} (${untrusted(reason)}); delete it yourself: shred -u '${untrusted(path)}'`)}\n`
  )
}
if (report.failed.length > 0) process.exitCode = 1
