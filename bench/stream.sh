#!/usr/bin/env bash
# Change streams against PostgreSQL's own logical replication, side by side:
#   bench/stream.sh [RATE_TX_PER_S] [SECONDS]      (defaults 200 and 20)
# Two embedded PostgreSQL 17 servers and the service in one JVM; prints the table and writes it to
# bench/results/<date>-streams.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/work
./mvnw -o -q -DskipTests test-compile
if [[ ! -s bench/work/test-classpath.txt || pom.xml -nt bench/work/test-classpath.txt ]]; then
  ./mvnw -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=bench/work/test-classpath.txt
fi
exec java -Xmx1g -cp "target/test-classes:target/classes:$(cat bench/work/test-classpath.txt)" \
  ai.originchain.ingest.bench.StreamBenchmark "$@"
