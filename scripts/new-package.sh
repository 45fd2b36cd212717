#!/usr/bin/env bash
# Scaffold files for packages/<name> (idempotent: existing files are kept).
set -eu
name=$1; dir=${2:-packages/$name}; deps=${3:-}
mkdir -p "$dir/src" "$dir/test"
[ -f "$dir/package.json" ] || cat > "$dir/package.json" <<JSON
{
  "name": "@engram/$name",
  "version": "0.1.0",
  "type": "module",
  "sideEffects": false,
  "license": "MIT",
  "files": ["dist", "src", "README.md"],
  "exports": {
    ".": {
      "@engram/source": "./src/index.ts",
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    },
    "./package.json": "./package.json"
  },
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "typecheck": "tsc -p tsconfig.json --noEmit",
    "lint": "node ../../scripts/lint-package.mjs",
    "test": "vitest run"
  },
  "dependencies": {$deps}
}
JSON
[ -f "$dir/tsconfig.json" ] || cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "noEmit": true },
  "include": ["src", "test"]
}
JSON
[ -f "$dir/tsconfig.build.json" ] || cat > "$dir/tsconfig.build.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist" },
  "include": ["src"]
}
JSON
[ -f "$dir/vitest.config.ts" ] || cat > "$dir/vitest.config.ts" <<'TS'
import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.ts'

export default defineProject({
  ...sourceConditions,
  test: { include: ['test/**/*.test.ts'] },
})
TS
