import { afterEach, describe, expect, jest, test } from '@jest/globals'
import { failUnexpectedly } from '../../src/runner/last-resort.ts'

describe('the last-resort handler', () => {
  afterEach(() => {
    jest.restoreAllMocks()
    process.exitCode = undefined
  })

  test('an unexpected error becomes one ::error:: with a hint, escaped, and no stack outside debug', () => {
    const lines: string[] = []
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      return true
    })
    const error = new TypeError("Cannot read properties of null (reading 'id')\n::set-output name=x::y")
    failUnexpectedly(error)
    failUnexpectedly(new Error('a second one'))
    const errorsPrinted = lines.filter((line) => line.startsWith('::error::'))
    expect(errorsPrinted).toHaveLength(1)
    expect(errorsPrinted[0]).toMatch(
      /^::error::The action stopped on an unexpected error with no request in flight: TypeError: Cannot read properties of null .*Re-run with debug logging/
    )
    expect(lines.filter((line) => line.startsWith('::') && !/^::(?:error|debug)::/.test(line))).toEqual([])
    expect(lines.filter((line) => !line.startsWith('::'))).toEqual([])
    expect(process.exitCode).toBe(1)
  })
})
