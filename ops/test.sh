#!/usr/bin/env bash
# The whole test suite: install what is missing, bring the stack up if it is not running, then static checks,
# unit tests and integration tests against the real services.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ops/install.sh
npx tsx ops/stack/cli.ts up
# The ticket store's tests also run on FerretDB when it is up (npm run stack -- up ferretdb); the suite does not
# start it: FerretDB 1.24.2 loses one of two concurrent compare-and-set updates of a ticket (the two-writers test).
npx tsx ops/provision.ts

step() { printf '\n== %s\n' "$*"; }
step "lint";          npx eslint .
step "format";        npx prettier --check .
step "typecheck";     npx tsc --noEmit
step "unit tests";    npx tsx ops/run-tests.ts unit
step "fuzzing both HTTP APIs (schemathesis)"; npx tsx ops/fuzz/run.ts
step "integration tests"; npx tsx ops/run-tests.ts integration
