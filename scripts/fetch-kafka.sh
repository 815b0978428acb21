#!/usr/bin/env bash
# Fetches the Kafka broker jars once into .cache/kafka/libs (Maven Central via mvn), idempotently.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.cache/kafka/libs"
stamp="$root/.cache/kafka/pom.xml"
if [ -f "$stamp" ] && cmp -s "$root/infra/kafka/pom.xml" "$stamp" && ls "$dest"/kafka_2.13-*.jar >/dev/null 2>&1; then exit 0; fi
echo "fetch-kafka: resolving broker jars from Maven Central" >&2
rm -rf "$dest" && mkdir -p "$dest"
mvn -q -B -f "$root/infra/kafka/pom.xml" dependency:copy-dependencies \
  -DoutputDirectory="$dest" -DincludeScope=runtime >&2
cp "$root/infra/kafka/pom.xml" "$stamp"
