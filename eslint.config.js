import js from '@eslint/js'
import tseslint from 'typescript-eslint'

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
  // Stand-ins and tests handle arbitrary JSON from the wire; `any` is honest there.
  {
    files: ['emulator/**', 'scripts/**', 'bench/**', '__tests__/**', '*.js'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' }
  }
)
