#!/usr/bin/env bash
# Runs every check and test: lint (type-aware, module boundaries), type check, then
# unit, integration (real PostgreSQL and Redis) and e2e (real processes) tests.
# Starts PostgreSQL and Redis first when they are not running (scripts/services.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true

bash scripts/services.sh ${CI:+--install}
bash scripts/build.sh

echo "== lint" >&2
npx nx show projects >/dev/null   # computes the project graph the boundary rule reads
npx eslint --max-warnings 0 .
echo "== type check (sources and tests)" >&2
npx tsc -p tsconfig.json
npx tsc -p apps/web/tsconfig.json   # the dashboard (DOM lib, JSX)

echo "== tests" >&2
mkdir -p tmp
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=tmp/vitest-report.json "$@"
status=$?
set -e
node -e '
  const r = JSON.parse(require("fs").readFileSync("tmp/vitest-report.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit $status
