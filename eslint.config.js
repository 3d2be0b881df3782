// ESLint: typed rules that catch lost promises and `any`, import cycles, and the layer boundaries
// of DESIGN.md's "Layout" (which folder may import which), so the architecture is checked, not hoped for.
import { builtinModules } from 'node:module';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

const TS_FOLDERS = ['workflows', 'activities', 'services', 'http', 'api', 'web', 'lib', 'domain', 'bin', 'test', 'bench', 'migrations'];
const PROJECT_FOLDERS = [...TS_FOLDERS, 'scripts', 'templates'];
const ts = (...folders) => folders.map((f) => `${f}/**/*.ts`);

// The project imports its own code by relative path only, so a pattern on the specifier is enough:
// `^(../)+api(/|$)` is "climbs out of this folder into the top-level api/".
const into = (...folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;
// workflows/definitions holds the message definitions and shared types; the rest is sandboxed code.
const WORKFLOW_CODE = '^(\\.\\./)+workflows(?!/definitions(/|$))(/|$)';
const pkg = (...names) => `^(${names.join('|')})(/.*)?$`;
const NODE_BUILTINS = pkg('node:.*', ...builtinModules.filter((m) => !m.startsWith('_') && !m.includes('/')));
const IO_PACKAGES = ['knex', 'pg', 'pg-.*', 'objection', 'koa', 'koa-.*', '@koa/.*', 'nodemailer', 'puppeteer', 'puppeteer-core'];

const forbid = (regex, message, extra = {}) => ({ regex, message, caseSensitive: true, ...extra });
const layer = (files, ...patterns) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
});

// Workflow code is bundled into Temporal's deterministic sandbox: nothing there may do I/O.
const WORKFLOW_RULES = [
  forbid(NODE_BUILTINS, 'Workflow code runs in the deterministic sandbox: no Node built-ins.'),
  forbid(pkg(...IO_PACKAGES), 'Workflow code runs in the deterministic sandbox: I/O belongs in an activity.'),
  forbid(pkg('@temporalio/worker', '@temporalio/client', '@temporalio/activity', '@temporalio/testing'), 'Not available inside the workflow sandbox.'),
  forbid(into('lib', 'services', 'api', 'web', 'http'), 'Workflows may import only workflows/ and domain/.'),
  // `import type * as activities` is the Temporal idiom for proxyActivities; values would enter the sandbox.
  forbid(into('activities'), 'Workflows import activities as types only (`import type`).', { allowTypeImports: true }),
];

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    '.data*/',
    '.scratch/',
    'dist/',
    'coverage/',
    // Browser scripts served as-is: not part of the Node project or its tsconfig.
    'web/static/',
  ]),

  {
    files: [...ts(...TS_FOLDERS), 'scripts/**/*.ts', 'scripts/*.mjs', 'eslint.config.js'],
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        // scripts/*.mjs and this file are outside tsconfig.json: typed through the default project.
        projectService: { allowDefaultProject: ['scripts/*.mjs', 'eslint.config.js'], maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 16 },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    settings: {
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'] },
      // import-x's own resolver is enough for relative imports; `.js` specifiers map to `.ts` sources.
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.mts', '.js', '.mjs', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },

  layer([...ts('workflows'), 'test/fixtures/**/*.ts'], ...WORKFLOW_RULES),
  layer(ts('domain'),
    forbid(into(...PROJECT_FOLDERS.filter((f) => f !== 'domain')), 'domain/ is pure: it imports only domain/.'),
    forbid(NODE_BUILTINS, 'domain/ is pure: no Node built-ins.'),
    forbid(pkg(...IO_PACKAGES, '@temporalio/.*'), 'domain/ is pure: no database, HTTP, mail, browser or Temporal.'),
  ),
  layer(ts('lib'),
    forbid(into('activities', 'services', 'api', 'web', 'http'), 'lib/ is infrastructure: it must not depend on the layers above it.'),
    forbid(WORKFLOW_CODE, 'lib/ may import only workflows/definitions.'),
  ),
  layer(ts('services'),
    forbid(into('api', 'web', 'http'), 'services/ take (deps, principal, input): no HTTP adapter code.'),
    forbid(pkg('koa', 'koa-.*', '@koa/.*'), 'services/ take (deps, principal, input): no Koa types or middleware.'),
    forbid(WORKFLOW_CODE, 'Outside the worker only workflows/definitions is imported (types are fine).', { allowTypeImports: true }),
  ),
  layer(ts('api'),
    forbid(into('web'), 'api/ and web/ never import each other: share through services/ or http/.'),
    forbid(WORKFLOW_CODE, 'Outside the worker only workflows/definitions is imported (types are fine).', { allowTypeImports: true }),
  ),
  layer(ts('web'),
    forbid(into('api'), 'api/ and web/ never import each other: share through services/ or http/.'),
    forbid(WORKFLOW_CODE, 'Outside the worker only workflows/definitions is imported (types are fine).', { allowTypeImports: true }),
  ),
  layer(ts('activities'),
    forbid(into('api', 'web', 'http'), 'activities/ are called by workflows: no HTTP adapter code.'),
  ),
  // http/ composes the app: the one place that may import both api/ and web/, so no restriction.
);
