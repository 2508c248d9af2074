#!/usr/bin/env bash
# Lint OpenAPI specs with both standard linters, using the configs beside this script:
#   Redocly CLI  with redocly.yaml   (extends: recommended)
#   Spectral     with .spectral.yaml (extends: spectral:oas)
#
# Usage: xtask/node/lint-specs.sh SPEC.json [SPEC.json ...]
#   Works from any directory; spec paths are taken relative to the caller's directory.
#   Needs the pinned tools installed first: npm ci --prefix xtask/node
#   Prints one line per linter per file with its error and warning counts.
#   Exits 1 if either linter reports an error in any file (warnings are allowed),
#   2 on a usage problem or when a linter could not run.
#   LINT_SPECS_VERBOSE=1 also prints every problem, one per line, under its count line.
#
# Nothing here needs the network: Redocly's usage data is switched off (REDOCLY_TELEMETRY=off,
# and telemetry: off in redocly.yaml) and so is its update check; Spectral's built-in ruleset is local.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/node_modules/.bin"
redocly_config="$here/redocly.yaml"
spectral_ruleset="$here/.spectral.yaml"

if [ "$#" -eq 0 ]; then
  echo "usage: $0 SPEC.json [SPEC.json ...]" >&2
  exit 2
fi
for tool in redocly spectral; do
  if [ ! -x "$bin/$tool" ]; then
    echo "lint-specs: $bin/$tool is missing; run: npm ci --prefix $here" >&2
    exit 2
  fi
done

export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export REDOCLY_SUPPRESS_NOTIFICATIONS=true

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# summarize LINTER REPORT.json: prints "ERRORS WARNINGS" on the first line, then (if verbose)
# one line per problem; exits non-zero if the report cannot be read.
summarize() {
  node - "$1" "$2" "${LINT_SPECS_VERBOSE:-0}" <<'EOF'
const fs = require('fs');
const [linter, file, verbose] = process.argv.slice(2);
const text = fs.readFileSync(file, 'utf8').trim();
const problems = [];
let errors = 0, warnings = 0;
if (linter === 'redocly') {
  const report = JSON.parse(text);
  errors = report.totals.errors;
  warnings = report.totals.warnings;
  for (const p of report.problems) {
    problems.push(`${p.severity} ${p.ruleId} ${(p.location[0] || {}).pointer || ''}: ${p.message}`);
  }
} else {
  // Spectral severities: 0 error, 1 warn, 2 info, 3 hint.
  const names = ['error', 'warn', 'info', 'hint'];
  for (const p of text === '' ? [] : JSON.parse(text)) {
    if (p.severity === 0) errors++;
    if (p.severity === 1) warnings++;
    problems.push(`${names[p.severity]} ${p.code} #/${p.path.join('/')}: ${p.message}`);
  }
}
console.log(`${errors} ${warnings}`);
if (verbose === '1') for (const line of problems) console.log(`    ${line}`);
EOF
}

# show_stderr LINTER: the linter's stderr, indented, without blank lines and without the
# boxed notice Redocly CLI prints on every run under Node 20 (its deprecation of Node 20).
show_stderr() {
  grep -v -e '^[[:space:]]*$' -e '^[[:space:]]*[╔║╚]' "$tmp/$1.err" | sed 's/^/    /' || true
}

# report LINTER LABEL SPEC EXIT_CODE: prints the count line; returns 1 on errors, 2 if the linter failed to run.
report() {
  local linter="$1" label="$2" spec="$3" rc="$4" out
  if ! out="$(summarize "$linter" "$tmp/$linter.json" 2>/dev/null)"; then
    printf '%-24s %s: could not run (exit %s)\n' "$label" "$spec" "$rc"
    show_stderr "$linter"
    return 2
  fi
  local errors warnings
  read -r errors warnings <<<"$(head -n 1 <<<"$out")"
  printf '%-24s %s: %s errors, %s warnings\n' "$label" "$spec" "$errors" "$warnings"
  tail -n +2 <<<"$out"
  if [ "$errors" -gt 0 ]; then return 1; fi
  if [ "$rc" -ne 0 ]; then
    echo "    $linter exited $rc with no error reported:"
    show_stderr "$linter"
    return 2
  fi
  return 0
}

status=0
failed_files=0
for spec in "$@"; do
  if [ ! -f "$spec" ]; then
    echo "lint-specs: no such file: $spec"
    status=2
    continue
  fi
  file_failed=0

  rc=0
  "$bin/redocly" lint --config "$redocly_config" --format json --max-problems 100000 "$spec" \
    >"$tmp/redocly.json" 2>"$tmp/redocly.err" || rc=$?
  r=0
  report redocly "redocly (recommended)" "$spec" "$rc" || r=$?
  if [ "$r" -ne 0 ]; then file_failed=1; if [ "$r" -gt "$status" ]; then status=$r; fi; fi

  rc=0
  "$bin/spectral" lint --ruleset "$spectral_ruleset" --format json --quiet --fail-severity error "$spec" \
    >"$tmp/spectral.json" 2>"$tmp/spectral.err" || rc=$?
  r=0
  report spectral "spectral (spectral:oas)" "$spec" "$rc" || r=$?
  if [ "$r" -ne 0 ]; then file_failed=1; if [ "$r" -gt "$status" ]; then status=$r; fi; fi

  failed_files=$((failed_files + file_failed))
done

if [ "$status" -eq 0 ]; then
  echo "lint-specs: $# file(s) linted, no errors"
else
  echo "lint-specs: FAILED: $failed_files of $# file(s) with errors or a linter that could not run"
fi
exit "$status"
