#!/usr/bin/env bash
# The whole test suite: install what is missing, bring the stack up if it is not running, then static checks,
# unit tests and integration tests against the real services.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ops/install.sh
npx tsx ops/stack/cli.ts up
# The ticket store's tests run on both Mongo-wire servers; FerretDB is optional for everything else.
npx tsx ops/stack/cli.ts up ferretdb
npx tsx ops/provision.ts

step() { printf '\n== %s\n' "$*"; }
step "lint";          npx eslint .
step "format";        npx prettier --check .
step "typecheck";     npx tsc --noEmit
step "unit tests";    npx tsx ops/run-tests.ts unit
step "fuzzing both HTTP APIs (schemathesis)"; npx tsx ops/fuzz/run.ts
step "integration tests"; npx tsx ops/run-tests.ts integration
