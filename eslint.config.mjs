import path from 'node:path';
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
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

const root = import.meta.dirname;
const workspaces = ['proto', 'common', 'agent', 'controller', 'cli', 'deploy', 'test', 'web', 'sim'];

/**
 * Each package imports only what its own package.json declares. Tests and test helpers may also
 * use devDependencies, and so may the packaging code (deploy/src/package: esbuild, postject), which
 * runs at build time only; the root's devDependencies (vitest, typescript) are hoisted, so they
 * count as every package's devDependencies.
 */
const declaredDependencies = (name) => ({
  files: [`${name}/**`],
  rules: {
    'import-x/no-extraneous-dependencies': [
      'error',
      {
        packageDir: [path.join(root, name), root],
        devDependencies: [
          '**/*.test.ts',
          '**/testing/**',
          '**/vitest.config.ts',
          '**/vite.config.ts',
          'test/**',
          '**/deploy/src/package/**',
        ],
        optionalDependencies: false,
        includeTypes: true,
        peerDependencies: false,
      },
    ],
  },
});

/** Every TypeScript file belongs to one of these programs; the tsconfig.test.json ones include the tests. */
const projects = [
  'proto/tsconfig.test.json',
  'common/tsconfig.test.json',
  'agent/tsconfig.test.json',
  'controller/tsconfig.test.json',
  'cli/tsconfig.test.json',
  'deploy/tsconfig.test.json',
  'test/tsconfig.json',
  'web/tsconfig.json',
  'sim/tsconfig.test.json',
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'proto/src/gen/**', '**/.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: { parserOptions: { project: projects, tsconfigRootDir: root } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  // Config files and the committed bin/ stubs belong to no tsconfig: lint them without types.
  { files: ['**/*.js', '**/*.mjs', '**/vitest.config.ts'], ...tseslint.configs.disableTypeChecked },
  ...workspaces.map(declaredDependencies),
  { files: ['common/**'], rules: forbid('agent', 'controller', 'cli', 'proto', 'deploy', 'test') },
  { files: ['proto/**'], rules: forbid('agent', 'controller', 'cli', 'deploy', 'test') },
  { files: ['agent/**'], rules: forbid('controller', 'cli', 'deploy', 'test') },
  { files: ['controller/**'], rules: forbid('agent', 'cli', 'deploy', 'test') },
  { files: ['cli/**'], rules: forbid('controller', 'deploy', 'test') },
  // The simulator speaks the contract (proto) and the HTTP API only, as an outside agent fleet would.
  { files: ['sim/**'], rules: forbid('agent', 'controller', 'cli', 'deploy', 'test') },
  // The browser's code talks to the documented HTTP API only.
  { files: ['web/**'], rules: forbid('common', 'proto', 'agent', 'controller', 'cli', 'deploy', 'test') },
);
