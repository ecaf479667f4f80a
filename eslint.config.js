// ESLint for static/js: one dialect for every script (ES modules, const/let, single quotes,
// arrow callbacks). `make lint` runs it after ruff.
import js from '@eslint/js';
import globals from 'globals';

const style = {
  'no-var': 'error',
  'prefer-const': 'error',
  'prefer-arrow-callback': 'error',
  'object-shorthand': 'error',
  'prefer-template': 'error',
  eqeqeq: 'error',
  quotes: ['error', 'single', { avoidEscape: true }],
  semi: ['error', 'always'],
  'comma-dangle': ['error', 'always-multiline'],
  indent: ['error', 2, { SwitchCase: 1, flatTernaryExpressions: true,
    ignoredNodes: ['CallExpression > ObjectExpression'] }],
  'max-len': ['error', { code: 100, ignoreUrls: true }],
};

export default [
  { ignores: ['node_modules/', '.venv/', 'instance/', 'static/vendor/'] },
  js.configs.recommended,
  {
    files: ['static/js/**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      // Leaflet is a classic script loaded before the modules.
      globals: { ...globals.browser, L: 'readonly' },
    },
    rules: style,
  },
  {
    // A service worker stays a classic script (see its header).
    files: ['static/js/sw.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.serviceworker },
    },
    rules: { strict: ['error', 'global'] },
  },
  {
    files: ['eslint.config.js', 'tests/**/*.js', 'tests/**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
    rules: style,
  },
];
