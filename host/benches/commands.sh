#!/usr/bin/env bash
# Every command a big tenant's admin runs, timed and measured (wall time, peak resident
# memory, as `seats -v` reports them) on a generated tenant: BENCHMARKS.md's "Every command" tables.
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
row() { # label, then seats' arguments (its stdout to $dir/out); -v reports time and peak memory
    local label=$1; shift
    "$seats" -v "$@" >"$dir/out" 2>"$dir/err" || { echo "seats $* failed:" >&2; tail -5 "$dir/err" >&2; exit 1; }
    local cost secs mb
    cost=$(grep '^seats: .* s, peak memory' "$dir/err" | tail -1)
    secs=${cost#seats: } mb=${cost##*peak memory }
    printf '| %s | %s s | %s | %s |\n' "$label" "${secs%% s,*}" "$mb" "$(wc -c <"$dir/out" | numfmt --to=iec)"
}

echo "| command ($users users) | time | peak memory | output |"
echo "|---|---|---|---|"
[ -f "$db" ] || row "\`seats init --generate $users\`" init --generate "$users"
cat >"$dir/export.rhai" <<EOF
export_csv(users_where(#{}), "$dir/all.csv")
EOF
cat >"$dir/each.rhai" <<'EOF'
let danes = 0;
each_user(users_where(#{}), |u| { if u.usage_location == "DK" { danes += 1; } });
print(danes);
EOF
someone=$("$seats" users --department Legal --output csv | sed -n 2p | cut -d, -f1)

row '`seats users --output csv` (every user)' users --output csv
row '`seats users --output json`' users --output json
row '`seats users` (a table: the first 1,000)' users
row '`seats users --department Sales --output json`' users --department Sales --output json
row '`seats users --product SPE_E5 --output csv`' users --product SPE_E5 --output csv
row '`seats users --deleted --output csv`' users --deleted --output csv
row '`seats users show UPN`' users show "$someone"
row '`seats audit` (the newest 100)' audit
row '`seats audit --all --output csv`' audit --all --output csv
row '`seats audit --all --output json`' audit --all --output json
row '`seats audit --all --target user:UPN`' audit --all --target "user:$someone"
row '`seats billing invoices --from 2020-01-01 --to 2027-01-01`' billing invoices --from 2020-01-01 --to 2027-01-01 --output csv
row '`seats billing pending`' billing pending
row '`seats licenses`' licenses
row '`seats conflicts`' conflicts
row '`seats subscriptions`' subscriptions
row '`seats self-service list`' self-service list
row '`seats catalog list`' catalog list
row 'script `export_csv(users_where(#{}), path)`' run "$dir/export.rhai"
row 'script `each_user(users_where(#{}), fn)`' run "$dir/each.rhai"
row '`seats check`' check
row '`seats check --full`' check --full
cp "$db" "$dir/w.db"
row '`seats process --now 2027-11-23` (a year ahead, writes)' --db "$dir/w.db" process --now 2027-11-23
row '`seats billing invoices --last 6` (after that year)' --db "$dir/w.db" billing invoices --last 6 --now 2027-11-23 --output csv
rm -f "$dir/w.db" "$dir/w.db-wal" "$dir/w.db-shm" "$dir/out" "$dir/err" "$dir/all.csv"
