/** Reads an action's inputs; a bad one fails the step, before any request, with one error naming it. */
import * as core from '@actions/core'
import { describeError } from './errors.ts'

export function readInputs<T>(read: () => T): T | undefined {
  try {
    return read()
  } catch (error) {
    core.setFailed(describeError(error, {}))
    return undefined
  }
}
