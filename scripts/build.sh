#!/usr/bin/env bash
# Installs dependencies from the lock file when needed, generates the Prisma client and
# compiles every package (TypeScript project references).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "build: installing dependencies from package-lock.json" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
# The Prisma CLI's schema engine is not available offline; generate does not need it.
if ! out=$(PRISMA_SCHEMA_ENGINE_BINARY="$PWD/scripts/no-schema-engine.sh" npx prisma generate 2>&1); then
  echo "$out" >&2; exit 1
fi
npx tsc -b tsconfig.build.json
