// scripts/build.ts's inlineStandIns: ncc's data: URL imports of the packages left out become
// objects of the same length, which behave as the modules did.
import { describe, expect, test } from '@jest/globals'
import { NOT_BUNDLED, inlineStandIns, standIn } from '../../scripts/build.ts'

const imports = Object.entries(NOT_BUNDLED).map(([name, exports], i) => `import*as s${i} from"${standIn(name, exports)}";`)
const bundle = `import{createRequire as e}from"module";${imports.join('')}var after=1;`

describe('inlineStandIns', () => {
  test('each import becomes a declaration of the same length: the source map still holds', () => {
    const inlined = inlineStandIns(bundle)
    expect(inlined).toHaveLength(bundle.length)
    expect(inlined).not.toContain('data:')
    expect(inlined.indexOf('var after=1;')).toBe(bundle.indexOf('var after=1;'))
  })

  test('every export is there and says it is not in the bundle when called', () => {
    const body = inlineStandIns(bundle)
      .replace(/^import\{createRequire as e\}from"module";/, '')
      .replace('var after=1;', '')
    const modules = new Function(`${body} return [${imports.map((_, i) => `s${i}`).join(',')}]`)() as Array<Record<string, () => void>>
    Object.entries(NOT_BUNDLED).forEach(([name, exports], i) => {
      expect(Object.keys(modules[i]!).sort()).toEqual([...exports].sort())
      for (const e of exports) expect(() => modules[i]![e]!()).toThrow(`${name} is not in this bundle`)
    })
  })

  test('an import in another form fails the build rather than being left in', () => {
    const [name, exports] = Object.entries(NOT_BUNDLED)[0]!
    expect(() => inlineStandIns(`import {HttpClient} from"${standIn(name, exports)}";`)).toThrow(/in a form inlineStandIns does not know/)
  })
})
