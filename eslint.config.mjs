import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Package boundaries: the agent never imports the controller and vice versa; common imports neither. */
const forbid = (...packages) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        ...packages.map((name) => ({
          group: [`@portwarden/${name}`, `@portwarden/${name}/*`],
          message: `this package must not depend on @portwarden/${name}`,
        })),
        { group: ['@portwarden/*/src/*'], message: 'import through the package exports map, not its src/' },
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'proto/src/gen/**', '**/.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['common/**'], rules: forbid('agent', 'controller', 'cli', 'proto', 'deploy', 'test') },
  { files: ['agent/**'], rules: forbid('controller', 'cli', 'deploy', 'test') },
  { files: ['controller/**'], rules: forbid('agent', 'cli', 'deploy', 'test') },
  { files: ['cli/**'], rules: forbid('controller', 'deploy', 'test') },
);
