// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Production code must never depend on the simulators (DESIGN §7): they are compiled with the
    // product for the sandbox and tests, but a deployed bot talks only to the real services.
    files: ['src/**/*.ts'],
    ignores: ['src/sim/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/sim/**', './sim/*', '../sim/*'],
              message: 'Production code must not import the simulators.',
            },
          ],
        },
      ],
    },
  },
  {
    // Flows hold the business rules and stay independent of transport and storage libraries.
    files: ['src/flows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['@slack/bolt', '@slack/web-api', 'got', 'keyv', '@keyv/redis'] },
      ],
    },
  },
);
