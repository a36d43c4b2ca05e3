// Lint rules the code review would otherwise repeat by hand. Style is prettier's job (.prettierrc.json).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  // Run folders (reports/<timestamp>/, reports/report-<timestamp>/), not the reporters' source.
  {
    ignores: ['node_modules/', 'reports/[0-9]*/', 'reports/report-*/', 'dist/', 'dist.next-*/', 'dist.old-*/', 'coverage/', '.ts701-sim/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      // A focused test hides the rest of the suite; CI would go green on a fraction of it.
      'no-restricted-properties': [
        'error',
        { object: 'it', property: 'only' },
        { object: 'describe', property: 'only' },
        { object: 'test', property: 'only' },
      ],
      'no-control-regex': 'off',
      // Timers and handles assigned once, after the closures that clear them are made.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Tests walk arbitrary JSON answers of devices; typing every probe would hide what they check.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
)
