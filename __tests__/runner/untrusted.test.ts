import { describe, expect, test } from '@jest/globals'
import { untrusted, untrustedHtml } from '../../src/runner/untrusted.ts'

describe('untrusted', () => {
  const hostile = 'x\n::error file=x::INJECTED\r\n::stop-commands::tok\u2028%0A</code></pre><h1>'

  test('no line break survives, so nothing can start a line', () => {
    const text = untrusted(hostile)
    expect(text.split(/\r|\n|\u2028|\u2029/)).toHaveLength(1)
    expect(text).toContain('\\n::error file=x::INJECTED\\r\\n')
    expect(text).toContain('%0A')
  })

  test('a value that starts with :: is neutralised', () => {
    expect(untrusted('::set-output name=a::b')).toBe('\\::set-output name=a::b')
    expect(untrusted('  ::warning::x').trimStart().startsWith('::')).toBe(false)
  })

  test('other control characters are shown as escapes', () => {
    expect(untrusted('a\u001b[31mb\u0000')).toBe('a\\u001b[31mb\\u0000')
  })

  test('long values are cut', () => {
    expect(untrusted('a'.repeat(600), 10)).toBe(`${'a'.repeat(10)}…`)
  })

  test('the summary form escapes markup too', () => {
    const html = untrustedHtml(hostile)
    expect(html).not.toMatch(/[<>]/)
    expect(html).toContain('&#60;/code&#62;')
  })
})
