import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'build/', '.scratch/', 'packages/*/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/web/browser/**', 'src/crypto/e2e/**', 'src/crypto/stream/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['bench/**', 'scripts/**', 'src/cli/**', 'test/**', 'packages/cli/*.mjs'],
    rules: { 'no-console': 'off' },
  },
);
