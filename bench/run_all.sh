#!/usr/bin/env bash
# Run the OMS benchmarks one after another (about 8-9 minutes in all).
# Each starts its own PostgreSQL database, Redis stream and `oms serve`
# processes, and cleans them up. Logs go to $BENCH_OUT (default /tmp/oms-bench).
#
#   bench/run_all.sh            # defaults
#   QUICK=1 bench/run_all.sh    # smaller sizes, ~2 minutes, for a smoke test
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
OUT="${BENCH_OUT:-/tmp/oms-bench}"
mkdir -p "$OUT"
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [[ -n "${QUICK:-}" ]]; then
  THROUGHPUT_ARGS=(--duration 8 --warmup 2)
  FANOUT_ARGS=(--sockets 300 --duration 15 --warmup 3)
  PAGE_ARGS=(--orders 300 --requests 60)
  CHANNEL_ARGS=(--skus 2000 --rounds 1 --feeds 3)
  IMPORT_ARGS=(--rows 2000)
  CUSTOMERS_ARGS=(--customers 10000 --orders 100000 --requests 60)
else
  THROUGHPUT_ARGS=()
  FANOUT_ARGS=()
  PAGE_ARGS=()
  CHANNEL_ARGS=()
  IMPORT_ARGS=()
  CUSTOMERS_ARGS=()
fi

status=0
run() {
  local name=$1; shift
  echo
  echo "######## $name  $(date -Is)"
  "$PY" "bench/$name.py" "$@" 2>&1 | tee "$OUT/$name.log"
  local rc=${PIPESTATUS[0]}
  [[ $rc -eq 0 ]] || { echo "$name exited with $rc"; status=1; }
}

run orders_throughput "${THROUGHPUT_ARGS[@]}"
run subscriptions_fanout "${FANOUT_ARGS[@]}"
run orders_page "${PAGE_ARGS[@]}"
run channel_inventory "${CHANNEL_ARGS[@]}"
run import_orders "${IMPORT_ARGS[@]}"
run routing_decisions
run labels
run customers_page "${CUSTOMERS_ARGS[@]}"

echo
echo "######## summaries (full logs in $OUT)"
for name in orders_throughput subscriptions_fanout orders_page channel_inventory import_orders \
            routing_decisions labels customers_page; do
  echo "--- $name"
  sed -n '/^summary$/,$p' "$OUT/$name.log" | tail -n +3
done
exit $status
