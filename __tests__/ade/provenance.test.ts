import { describe, expect, test } from '@jest/globals'
import { runProvenance } from '../../src/ade/provenance.ts'

const runner = {
  GITHUB_SERVER_URL: 'https://ghe.contoso.com/',
  GITHUB_REPOSITORY: 'contoso/infra.disks',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_ATTEMPT: '2'
}

describe('runProvenance', () => {
  test('names the run attempt from the runner variables, without a doubled slash', () => {
    expect(runProvenance(runner)).toEqual({ createdBy: 'https://ghe.contoso.com/contoso/infra.disks/actions/runs/9876543210/attempts/2' })
  })

  test.each([
    [{ GITHUB_SERVER_URL: undefined }, /GITHUB_SERVER_URL '' is not a URL/],
    [{ GITHUB_SERVER_URL: 'ftp://github.com' }, /not an http\(s\) URL/],
    [{ GITHUB_SERVER_URL: 'https://github.com/?x=1' }, /not a plain server URL/],
    [{ GITHUB_REPOSITORY: 'contoso/infra\n::error::x' }, /GITHUB_REPOSITORY 'contoso\/infra\\n::error::x' is not <owner>\/<repo>/],
    [{ GITHUB_REPOSITORY: 'infra' }, /is not <owner>\/<repo>/],
    [{ GITHUB_RUN_ID: '12a' }, /GITHUB_RUN_ID '12a' is not a run number/],
    [{ GITHUB_RUN_ATTEMPT: '0' }, /GITHUB_RUN_ATTEMPT '0' is not an attempt number/],
    [{ GITHUB_SERVER_URL: `https://github.com/${'p'.repeat(240)}` }, /more than a tag value may \(256\)/]
  ])('leaves the tag out with one warning, escaped, for %o', (change, message) => {
    const { createdBy, warning } = runProvenance({ ...runner, ...change })
    expect(createdBy).toBeUndefined()
    expect(warning).toMatch(/^No CreatedBy tag: /)
    expect(warning).toMatch(message)
    expect(warning).not.toContain('\n')
  })
})
