#!/usr/bin/env bash
# Every command a big tenant's admin runs, timed and measured (wall time, peak resident
# memory) on a generated tenant: BENCHMARKS.md's "Every command" tables.
#
#   cargo build --release
#   host/benches/commands.sh 100000 [DIR]    # DIR keeps the tenant (default: a temp dir)
#
# Prints one markdown row per command. Reads run first; the writes (process a year ahead)
# last, on a copy. Output goes to files in DIR (so what is measured includes writing it).
set -euo pipefail
users=${1:?usage: commands.sh USERS [DIR]}
dir=${2:-$(mktemp -d)}
seats=${SEATS_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/target/release/seats}
db="$dir/t$users.db"
export SEATS_DB="$db" SEATS_NOW=2026-11-23T12:00:00Z SEATS_CACHE_DIR="$dir/cache"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt install time)"; exit 2; }

row() { # label, then the command (its stdout to $dir/out)
    local label=$1; shift
    local t
    t=$({ /usr/bin/time -f '%e %M' "$@" >"$dir/out" 2>/dev/null; } 2>&1 | tail -1)
    local secs=${t% *} kb=${t#* }
    printf '| %s | %s s | %d MB | %s |\n' "$label" "$secs" $((kb / 1024)) "$(wc -c <"$dir/out" | numfmt --to=iec)"
}

[ -f "$db" ] || "$seats" init --generate "$users" >/dev/null 2>&1
cat >"$dir/export.rhai" <<EOF
export_csv(users_where(#{}), "$dir/all.csv")
EOF
cat >"$dir/each.rhai" <<'EOF'
let danes = 0;
each_user(users_where(#{}), |u| { if u.usage_location == "DK" { danes += 1; } });
print(danes);
EOF
someone=$("$seats" users --department Legal --output csv | sed -n 2p | cut -d, -f1)

echo "| command ($users users) | time | peak memory | output |"
echo "|---|---|---|---|"
row '`seats users --output csv` (every user)' "$seats" users --output csv
row '`seats users --output json`' "$seats" users --output json
row '`seats users` (a table: the first 1,000)' "$seats" users
row '`seats users --department Sales --output json`' "$seats" users --department Sales --output json
row '`seats users --product SPE_E5 --output csv`' "$seats" users --product SPE_E5 --output csv
row '`seats users --deleted --output csv`' "$seats" users --deleted --output csv
row '`seats users show UPN`' "$seats" users show "$someone"
row '`seats audit` (the newest 100)' "$seats" audit
row '`seats audit --all --output csv`' "$seats" audit --all --output csv
row '`seats audit --all --output json`' "$seats" audit --all --output json
row '`seats audit --all --target user:UPN`' "$seats" audit --all --target "user:$someone"
row '`seats billing invoices --from 2020-01-01 --to 2027-01-01`' "$seats" billing invoices --from 2020-01-01 --to 2027-01-01 --output csv
row '`seats billing pending`' "$seats" billing pending
row '`seats licenses`' "$seats" licenses
row '`seats conflicts`' "$seats" conflicts
row '`seats subscriptions`' "$seats" subscriptions
row '`seats self-service list`' "$seats" self-service list
row '`seats catalog list`' "$seats" catalog list
row 'script `export_csv(users_where(#{}), path)`' "$seats" run "$dir/export.rhai"
row 'script `each_user(users_where(#{}), fn)`' "$seats" run "$dir/each.rhai"
row '`seats check`' "$seats" check
row '`seats check --full`' "$seats" check --full
cp "$db" "$dir/w.db"
SEATS_DB="$dir/w.db" row '`seats process --now 2027-11-23` (a year ahead, writes)' "$seats" --db "$dir/w.db" process --now 2027-11-23
rm -f "$dir/w.db" "$dir/w.db-wal" "$dir/w.db-shm" "$dir/out" "$dir/all.csv"
