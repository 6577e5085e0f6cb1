#!/usr/bin/env bash
# Installs dependencies from the lock file when needed, generates the Prisma client and
# compiles every package (TypeScript project references), then type-checks and bundles the
# dashboard (apps/web → apps/web/dist, skipped when nothing it is built from changed).
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

web_inputs=(apps/web/src apps/web/index.html apps/web/vite.config.mjs apps/web/tsconfig.json libs/protocol/src libs/sdk/src package-lock.json)
if [ ! -f apps/web/dist/index.html ] || [ -n "$(find "${web_inputs[@]}" -newer apps/web/dist/index.html -print -quit)" ]; then
  echo "build: dashboard (apps/web)" >&2
  npx tsc -p apps/web/tsconfig.json
  npx vite build --config apps/web/vite.config.mjs --logLevel warn
fi
