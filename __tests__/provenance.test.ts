import { describe, expect, jest, test } from '@jest/globals'
import { runProvenance } from '../src/provenance.ts'

const runner = {
  GITHUB_SERVER_URL: 'https://ghe.contoso.com/',
  GITHUB_REPOSITORY: 'contoso/infra.disks',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_ATTEMPT: '2'
}

function warnings(env: NodeJS.ProcessEnv): { value: string | undefined; out: string } {
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
  try {
    const value = runProvenance(env)
    return { value, out: write.mock.calls.map(([chunk]) => String(chunk)).join('') }
  } finally {
    write.mockRestore()
  }
}

describe('runProvenance', () => {
  test('names the run attempt from the runner variables, without a doubled slash', () => {
    expect(warnings(runner)).toEqual({ value: 'https://ghe.contoso.com/contoso/infra.disks/actions/runs/9876543210/attempts/2', out: '' })
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
  ])('leaves the tag out with one warning for %o', (change, message) => {
    const { value, out } = warnings({ ...runner, ...change })
    expect(value).toBeUndefined()
    const lines = out.split('\n').filter(Boolean)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^::warning::No CreatedBy tag: /)
    expect(lines[0]).toMatch(message)
  })
})
