#!/usr/bin/env bash
# One command from a fresh clone to a running Potluck on this machine:
# PostgreSQL and Redis (started locally when needed), dependencies, build, database,
# then the coordinator and two local simulated potluck-agents (the admin's and a second
# donor's, who validates) in the foreground (Ctrl-C stops them all). Prints the URL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/services.sh
bash scripts/build.sh

export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/potluck}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export POTLUCK_PORT="${POTLUCK_PORT:-8080}"
export POTLUCK_ARTIFACT_DIR="${POTLUCK_ARTIFACT_DIR:-.data/artifacts}"
export POTLUCK_BOOTSTRAP_KEY_FILE="${POTLUCK_BOOTSTRAP_KEY_FILE:-.data/admin-key}"
node apps/coordinator/dist/cli/ensure-database.js

if [ -s "$POTLUCK_BOOTSTRAP_KEY_FILE" ]; then
  echo "The admin API key from the first start is in $POTLUCK_BOOTSTRAP_KEY_FILE"
fi
exec node scripts/start-local.mjs
