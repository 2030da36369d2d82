import { readFileSync } from 'node:fs'
import { describe, expect, test } from '@jest/globals'
import { licenseProblems } from '../../scripts/check-licenses.ts'

describe('license check', () => {
  test('every bundled dependency in the lockfile has an allowed license', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'))
    expect(Object.keys(lock.packages).filter((path) => path && !lock.packages[path].dev).length).toBeGreaterThan(10)
    expect(licenseProblems(lock)).toEqual([])
  })

  test('refuses a copyleft or undeclared license in a bundled package, ignores dev packages, accepts an allowed OR', () => {
    const lock = {
      packages: {
        '': { license: 'MIT' },
        'node_modules/gpl-lib': { version: '1.0.0', license: 'GPL-3.0' },
        'node_modules/a/node_modules/bare': { version: '2.0.0' },
        'node_modules/dual': { version: '3.0.0', license: '(MIT OR GPL-2.0)' },
        'node_modules/gpl-dev-tool': { version: '4.0.0', license: 'GPL-3.0', dev: true }
      }
    }
    expect(licenseProblems(lock)).toEqual([
      'gpl-lib@1.0.0: license GPL-3.0 is not allowed',
      'bare@2.0.0: license not declared is not allowed'
    ])
  })
})
