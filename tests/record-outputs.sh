#!/usr/bin/env bash
# Records what seats prints for the sample scripts and the main commands on the demo tenant at
# a fixed time: stdout, stderr and the exit code of each, one file per command in OUT. Run it
# with two binaries and diff the folders to see what a change did to the output:
#
#   tests/record-outputs.sh target/release/seats /tmp/before
#   tests/record-outputs.sh target/debug/seats /tmp/after
#   diff -r /tmp/before /tmp/after
set -u
bin=$(realpath "$1")
out=$2
rm -rf "$out" && mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")/.." && pwd)
export SEATS_NOW=2026-06-01 SEATS_DB=demo.db NO_COLOR=1
export SEATS_CACHE_DIR="$work/cache"

record() { # NAME CMD...
  local name=$1
  shift
  (cd "$work" && "$@" >"$out/$name.out" 2>"$out/$name.err")
  echo "exit $?" >"$out/$name.code"
}

record init "$bin" init --demo --users 300
cp "$work/demo.db" "$work/pristine.db"
for cmd in licenses conflicts subscriptions users audit check process; do
  record "$cmd.json" "$bin" -o json $cmd
done
record audit-all.json "$bin" -o json audit --all
record users-show.json "$bin" -o json users show admin@contoso.com
record billing-invoices.json "$bin" -o json billing invoices --from 2020-01-01 --to 2027-01-01
record billing-pending.json "$bin" -o json billing pending
record billing-profiles.json "$bin" -o json billing profiles
record roles.json "$bin" -o json roles table
record roles-show.json "$bin" -o json roles show admin@contoso.com
record self-service.json "$bin" -o json self-service list
record catalog-show.json "$bin" -o json catalog show SPE_E5
record licenses.table "$bin" licenses
record refused-assign "$bin" assign nobody@contoso.com --product SPE_E5
record refused-json "$bin" -o json assign nobody@contoso.com --product SPE_E5
printf 'upn,product\nlars.petersen4@contoso.com,POWER_BI_PRO\n' >"$work/new-hires.csv"
run_script() { # NAME SCRIPT ARGS...
  local name=$1 script=$2
  shift 2
  cp "$work/pristine.db" "$work/demo.db"
  record "script-$name" "$bin" run "$here/scripts/$script" "$@"
  cp "$work/pristine.db" "$work/demo.db"
  record "script-$name-whatif" "$bin" run "$here/scripts/$script" "$@" --what-if
}
run_script assign-from-csv assign-from-csv.rhai new-hires.csv
run_script cost-report license-cost-report.rhai cost.csv
run_script reclaim reclaim-unused-licenses.rhai
run_script remove-all remove-all-licenses.rhai Sales
run_script replace replace-product-licenses.rhai SPE_E3 SPE_E5
run_script resolve-conflicts resolve-conflicts.rhai
run_script true-up true-up-licenses.rhai 5
[ -f "$work/cost.csv" ] && cp "$work/cost.csv" "$out/script-cost-report.csv"
echo "recorded $(ls "$out" | wc -l) files in $out"
