import js from '@eslint/js'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import tseslint from 'typescript-eslint'

/**
 * The boot files: every module an action's entry (src/actions/<action>/index.ts) imports
 * statically, directly or not. They run before the first connection opens, so none may load
 * what costs start-up time there (the story's chunk, loaded with import(), may).
 * __tests__/e2e/start-up.test.ts proves the same on the built bundle.
 */
function bootFiles() {
  const files = new Set()
  const STATIC = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?'(\.[^']+)'/gm
  const visit = (file) => {
    if (files.has(file)) return
    files.add(file)
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(STATIC)) visit(join(dirname(file), spec))
  }
  for (const action of readdirSync('src/actions')) visit(join('src/actions', action, 'index.ts'))
  return [...files].map((file) => relative('.', file))
}
const NOT_AT_BOOT = ['@actions/*', '@azure/*', 'node:https', 'node:tls', 'node:crypto', 'https', 'tls', 'crypto']

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/results/', 'bench/.work/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly'
      }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error'
    }
  },
  {
    files: bootFiles(),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: NOT_AT_BOOT,
              allowTypeImports: true,
              message:
                'A boot file runs before the first connection: load this in the story (main.ts, imported lazily), or import() it where it is used.'
            }
          ]
        }
      ]
    }
  },
  // Stand-ins and tests handle arbitrary JSON from the wire; `any` is honest there.
  {
    files: ['emulator/**', 'scripts/**', 'bench/**', '__tests__/**', '*.js'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' }
  }
)
