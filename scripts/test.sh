#!/usr/bin/env bash
# npm test: everything CI runs. Installs missing Debian packages when it can (root + apt), builds what the
# tests need, then typecheck, lint, unit + integration (Vitest), end-to-end (Chromium), and one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/test-results
rm -f .cache/test-results/*.json .cache/test-results/steps.txt

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
python3 -c 'import PIL' >/dev/null 2>&1 || missing+=(python3-pil)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
# PostgreSQL 15 for the department library's tests (a throwaway server per test file: tests/fixtures/postgres.ts).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages the tests need: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || {
      echo "Could not install ${missing[*]}. Install them yourself: sudo apt-get install -y ${missing[*]}"; exit 1; }
  else
    echo "The tests need these Debian packages: ${missing[*]}"
    echo "Install them with: sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

# `npm start` may have rebuilt better-sqlite3 for Electron; the tests run under Node.
node -e "require('better-sqlite3')(':memory:').close()" >/dev/null 2>&1 || npm rebuild better-sqlite3 >/dev/null

step() { # step NAME COMMAND...: runs a non-test step and records it as one passed/failed check
  local name=$1; shift
  echo "== $name"
  if "$@"; then echo "pass $name" >> .cache/test-results/steps.txt; else echo "fail $name" >> .cache/test-results/steps.txt; fi
}

step native-addon node scripts/build-native.mjs
step typecheck npx tsc -p tsconfig.json --noEmit
step lint npx eslint .
step build node scripts/build.mjs
echo "== unit + integration"
npx vitest run --config vitest.config.ts --reporter=default --reporter=json --outputFile.json=.cache/test-results/vitest.json
echo "== end-to-end (Chromium + browser host)"
npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json=.cache/test-results/e2e.json
node scripts/test-summary.mjs
