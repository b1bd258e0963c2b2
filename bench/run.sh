#!/usr/bin/env bash
# The ingest benchmark: our service against hand-made COPY pipes (raw, and staging + upsert) and
# pgcopydb, side by side on the same servers, in one run.
#
#   bench/run.sh [--rows N] [--scale S | --no-pgbench] [--runs R] [--heap SIZE] [--warm-up N] [--profile]
#                [--source-url URL --target-url URL] [--no-psql] [--no-pgcopydb] [--writers W] [--batch-rows B]
#
#   --rows N        rows of public.orders (default 1000000; 10000000: ~16 GB of disk, about an hour)
#   --scale S       pgbench scale of public.pgbench_accounts, 100000 rows each (default 10; with --rows
#                   alone: N/100000, between 1 and 10); --scale 0 or --no-pgbench: orders only
#   --runs R        repeat the whole sequence R times (source regenerated, same rows); min–max shown (default 1)
#   --heap SIZE     the service's -Xmx (default 256m)
#   --warm-up N     before the timed phases, 4 untimed syncs of an N-row copy of the first table, so the
#                   service's JVM has compiled its paths as a long-running one has (default 0: a fresh JVM)
#   --profile       run the service with JFR and print its hot methods
#   --source-url / --target-url   use these servers instead of starting two embedded PostgreSQL 17
#                   (postgresql://user:pw@host:port/db; the source must take TLS and a password login;
#                   public.orders, public.pgbench_accounts, target schemas baseline, raw_keyed,
#                   raw_key_after, bench and database bench_pgcopydb are recreated)
#   --no-psql       time the pipes through pgjdbc's CopyManager even where psql exists
#   --no-pgcopydb   leave pgcopydb out even where it is installed
#   --writers W, --batch-rows B   the service's originchain.sync.* settings (default 2, 20000)
#
# Builds the project offline, then runs ai.originchain.ingest.bench.IngestBenchmark (test sources).
# Prints the results tables and appends them to bench/results/<date>-<cores>cores.md.
# Working files go to bench/work/. Everything started is stopped on exit, failure or Ctrl-C.
set -euo pipefail

case "${1:-}" in -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

cd "$(dirname "$0")/.."            # the repo root: the service reads ./application.yaml and ./routes
WORK=bench/work
mkdir -p "$WORK"
BENCH_PID=""

cleanup() {
  local rc=$?
  if [[ -n "$BENCH_PID" ]] && kill -0 "$BENCH_PID" 2>/dev/null; then
    kill -TERM "$BENCH_PID" 2>/dev/null || true      # its shutdown hook stops the service and the servers
    for _ in $(seq 60); do kill -0 "$BENCH_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$BENCH_PID" 2>/dev/null || true
  fi
  # Whatever is still up after that (the bench JVM was killed hard): the service, then the servers.
  if [[ -f "$WORK/service.pid" ]]; then
    local pid; pid=$(cat "$WORK/service.pid")
    if kill -0 "$pid" 2>/dev/null && grep -q ai.originchain "/proc/$pid/cmdline" 2>/dev/null \
        || grep -q postgres-ingest-connector "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
    rm -f "$WORK/service.pid"
  fi
  for pidfile in "$WORK"/pg/*/postmaster.pid; do
    [[ -f "$pidfile" ]] || continue
    local pid; pid=$(head -1 "$pidfile")
    if kill -0 "$pid" 2>/dev/null && grep -q postgres "/proc/$pid/cmdline" 2>/dev/null; then
      kill -INT "$pid" 2>/dev/null || true                # fast shutdown
    fi
  done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "[bench] building (offline) …"
SERVICE_ARGS=()
if ! ./mvnw -o -q -DskipTests package >"$WORK/build.log" 2>&1; then
  # spring-boot:repackage needs plugin dependencies an ~/.m2 may lack offline: compile only, and
  # run the service from target/classes with its runtime classpath instead.
  if ! ./mvnw -o -q test-compile >"$WORK/build.log" 2>&1; then
    cat "$WORK/build.log"; exit 1
  fi
  echo "[bench] no Spring Boot jar (repackage failed offline, see $WORK/build.log): service runs from target/classes"
  if [[ ! -s "$WORK/runtime-classpath.txt" || pom.xml -nt "$WORK/runtime-classpath.txt" ]]; then
    ./mvnw -o -q dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/runtime-classpath.txt" >>"$WORK/build.log" 2>&1
  fi
  SERVICE_ARGS=(--service-classpath "$WORK/runtime-classpath.txt")
fi
if [[ ! -s "$WORK/test-classpath.txt" || pom.xml -nt "$WORK/test-classpath.txt" ]]; then
  ./mvnw -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/test-classpath.txt" >>"$WORK/build.log" 2>&1
fi

java -Xmx1g -cp "target/test-classes:target/classes:$(cat "$WORK/test-classpath.txt")" \
  ai.originchain.ingest.bench.IngestBenchmark "${SERVICE_ARGS[@]}" "$@" &
BENCH_PID=$!
wait "$BENCH_PID"
