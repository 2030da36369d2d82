/**
 * Small static checks of the summary's snippets, since neither `bicep` nor `pwsh` is on these
 * machines: a Bicep tokenizer (strings with their escapes and `${…}`, comments, brackets) and a
 * PowerShell one (quoted strings, comments) that find what a compiler would refuse first.
 */

export interface BicepCheck {
  /** The code with every string literal's text blanked (interpolations kept) and comments removed. */
  readonly code: string
  /** Each string literal's value, its escapes decoded (interpolations as `${…}`). */
  readonly strings: string[]
  readonly problems: string[]
}

const BICEP_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", n: '\n', r: '\r', t: '\t', $: '$' }

export function checkBicep(text: string): BicepCheck {
  const problems: string[] = []
  const strings: string[] = []
  let code = ''
  const stack: string[] = []
  const close: Record<string, string> = { '{': '}', '[': ']', '(': ')' }
  let i = 0
  // Scans code up to the end of the text, or of the `${…}` interpolation it was called for.
  const scan = (inInterpolation: boolean): void => {
    const depth = stack.length
    while (i < text.length) {
      const c = text[i]
      if (c === '/' && text[i + 1] === '/') {
        while (i < text.length && text[i] !== '\n') i++
        continue
      }
      if (c === "'") {
        i++
        let value = ''
        let closed = false
        while (i < text.length) {
          const s = text[i]
          if (s === '\n') break
          if (s === "'") {
            closed = true
            i++
            break
          }
          if (s === '\\') {
            const e = text[i + 1]
            if (e === 'u' && text[i + 2] === '{') {
              const end = text.indexOf('}', i)
              const hex = text.slice(i + 3, end)
              if (end < 0 || !/^[0-9a-fA-F]{1,6}$/.test(hex)) problems.push(`bad \\u escape at ${i}`)
              else value += String.fromCodePoint(parseInt(hex, 16))
              i = end + 1
              continue
            }
            if (!(e in BICEP_ESCAPES)) problems.push(`bad escape \\${e} at ${i}`)
            value += BICEP_ESCAPES[e] ?? ''
            i += 2
            continue
          }
          if (s === '$' && text[i + 1] === '{') {
            i += 2
            code += ' ('
            const start = code.length
            scan(true)
            value += `\${${code.slice(start).trim()}}`
            code += ') '
            continue
          }
          value += s
          i++
        }
        if (!closed) problems.push(`unterminated string at ${i}`)
        strings.push(value)
        code += "''"
        continue
      }
      if (inInterpolation && c === '}' && stack.length === depth) {
        i++
        return
      }
      if (c in close) stack.push(close[c])
      else if (c === '}' || c === ']' || c === ')') {
        const expected = stack.pop()
        if (expected !== c) problems.push(`'${c}' at ${i} closes ${expected ?? 'nothing'}`)
      }
      code += c
      i++
    }
    if (inInterpolation) problems.push('unterminated ${')
  }
  scan(false)
  if (stack.length > 0) problems.push(`unclosed ${stack.join('')}`)

  const declared = new Set<string>()
  for (const m of code.matchAll(/^\s*(?:param|var|resource)\s+(\w+)/gm)) declared.add(m[1])
  for (const m of code.matchAll(/\bfor\s+(\w+)\s+in\b/g)) declared.add(m[1])
  const builtin = new Set([
    'param',
    'var',
    'resource',
    'existing',
    'for',
    'in',
    'if',
    'true',
    'false',
    'null',
    'string',
    'int',
    'bool',
    'object',
    'array'
  ])
  for (const m of code.matchAll(/(?<![.\w@])([A-Za-z_]\w*)\b(?!\s*[:(])/g)) {
    if (!builtin.has(m[1]) && !declared.has(m[1])) problems.push(`'${m[1]}' is not declared`)
  }
  return { code, strings, problems: [...new Set(problems)] }
}

/** The Microsoft.Compute/disks resources of a Bicep file, each with its body (balanced braces). */
export function bicepDiskResources(text: string): Array<{ symbol: string; api: string; loop: boolean; body: string }> {
  const found = []
  for (const m of text.matchAll(
    /^resource (\w+) 'Microsoft\.Compute\/disks@(\d{4}-\d{2}-\d{2}(?:-preview)?)' = (\[for \w+ in \w+: )?\{/gm
  )) {
    const start = m.index + m[0].length - 1
    let depth = 0
    let end = start
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++
      if (text[end] === '}' && --depth === 0) break
    }
    found.push({ symbol: m[1], api: m[2], loop: m[3] !== undefined, body: text.slice(start, end + 1) })
  }
  return found
}

export interface PowerShellCheck {
  /** The code with single-quoted strings' text and comments blanked. */
  readonly code: string
  /** The values of the single-quoted strings. */
  readonly strings: string[]
  /** Variables used before they are set, declared as a parameter or a foreach variable. */
  readonly undefinedVariables: string[]
  readonly problems: string[]
}

const PS_QUOTES = "'\u2018\u2019\u201a\u201b"
const PS_AUTOMATIC = new Set(['true', 'false', 'null', '_', 'args', 'PSScriptRoot', 'PSCommandPath'])

export function checkPowerShell(text: string): PowerShellCheck {
  const problems: string[] = []
  const strings: string[] = []
  let code = ''
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (PS_QUOTES.includes(c)) {
      let value = ''
      let closed = false
      i++
      while (i < text.length) {
        if (PS_QUOTES.includes(text[i])) {
          if (i + 1 < text.length && PS_QUOTES.includes(text[i + 1])) {
            value += text[i]
            i += 2
            continue
          }
          closed = true
          i++
          break
        }
        value += text[i++]
      }
      if (!closed) problems.push('unterminated single-quoted string')
      strings.push(value)
      code += `'${' '.repeat(value.length)}'`
      continue
    }
    if (c === '"') {
      code += c
      i++
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '`') code += text[i++]
        code += text[i++]
      }
      if (i >= text.length) problems.push('unterminated double-quoted string')
      code += '"'
      i++
      continue
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') {
        code += ' '
        i++
      }
      continue
    }
    code += c
    i++
  }

  const paramBlock = /^\s*param\s*\(/m.exec(code)
  let paramEnd = -1
  if (paramBlock) {
    let depth = 0
    for (let j = paramBlock.index + paramBlock[0].length - 1; j < code.length; j++) {
      if (code[j] === '(') depth++
      if (code[j] === ')' && --depth === 0) {
        paramEnd = j
        break
      }
    }
    if (paramEnd < 0) problems.push('unclosed param(')
  }
  const definedAt = new Map<string, number>()
  const undefinedVariables: string[] = []
  for (const m of code.matchAll(/\$(?:(\w+):)?(\w+)/g)) {
    const [, scope, name] = m
    if (scope === 'env') continue
    const key = name.toLowerCase()
    const before = code.slice(0, m.index)
    const after = code.slice(m.index + m[0].length)
    const inParams = paramBlock !== null && m.index > paramBlock.index && m.index < paramEnd
    if (inParams && /\]\s*$/.test(before)) {
      definedAt.set(key, m.index)
      continue
    }
    if (/foreach\s*\(\s*$/i.test(before)) {
      definedAt.set(key, m.index)
      continue
    }
    if (/(^|\n)\s*$/.test(before) && /^\s*=(?!=)/.test(after)) {
      // Set once its statement is done: `$x = $x` does not define x.
      const lineEnd = code.indexOf('\n', m.index)
      if (!definedAt.has(key)) definedAt.set(key, lineEnd < 0 ? code.length : lineEnd)
      continue
    }
    const defined = definedAt.get(key)
    if (!PS_AUTOMATIC.has(name) && (defined === undefined || defined > m.index)) undefinedVariables.push(name)
  }
  return { code, strings, undefinedVariables: [...new Set(undefinedVariables)], problems }
}
