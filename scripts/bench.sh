#!/usr/bin/env bash
# Page-serving throughput on SQLite and PostgreSQL, with demo content, measured with wrk.
# Each page is reported in requests/s and as a ratio to the static stylesheet served by the same
# process in the same run (the HTTP stack alone), which is steadier on a shared machine than
# absolute numbers.  Usage: bash scripts/bench.sh   (needs the PostgreSQL of .ci/run for the PG row)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
cargo build --release -q
bin=target/release/goodpractice
port=18181
duration=${BENCH_SECONDS:-10}

rps() { wrk -t2 -c16 -d"${duration}s" "http://127.0.0.1:$port$1" | awk '/Requests\/sec/ {print $2}'; }

bench_backend() {  # $1 = label, $2 = DATABASE_URL ('' for SQLite in a temp dir)
  local dir; dir=$(mktemp -d)
  DATABASE_URL="$2" GP_DATA_DIR="$dir" GP_BIND="127.0.0.1:$port" RUST_LOG=warn "$bin" serve >/dev/null &
  local pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local css home topic category
  css=$(rps /static/style.css); home=$(rps /); topic=$(rps /t/1); category=$(rps /c/medication-safety)
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$dir"
  for row in "home /:$home" "topic /t/1:$topic" "category /c/…:$category"; do
    local name=${row%%:*} value=${row##*:}
    printf '| %s | %s | %.0f | %.2f |\n' "$1" "$name" "$value" "$(echo "$value / $css" | bc -l)"
  done
  printf '| %s | static /static/style.css | %.0f | 1.00 |\n' "$1" "$css"
}

echo "| database | page | requests/s | ratio to static |"
echo "|---|---|---|---|"
bench_backend sqlite ""
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  schema="bench_$(date +%s)"
  psql -X -q "$TEST_DATABASE_URL" -c "create schema $schema"
  bench_backend postgres "$TEST_DATABASE_URL?options[search_path]=$schema"
  PGOPTIONS="--client-min-messages=warning" psql -X -q "$TEST_DATABASE_URL" -c "drop schema $schema cascade"
fi
