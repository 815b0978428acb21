#!/usr/bin/env bash
# Fetches the Kafka broker jars of one version once into .cache/kafka/<version>/libs (Maven Central
# via mvn), idempotently. The version is KAFKA_VERSION, or the first argument, or the pom's default;
# each version has its own folder so switching between them (4.x default, 3.9 in CI) is cheap.

set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pom="$root/infra/kafka/pom.xml"
default="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom")"
version="${1:-${KAFKA_VERSION:-$default}}"
case "$version" in
  3.*) profile=(-Pkafka3) ;;   # Kafka 3 logs through reload4j
  4.*) profile=() ;;           # Kafka 4 logs through log4j2 (the pom's default binding)
  *) echo "fetch-kafka: unsupported KAFKA_VERSION '$version' (3.x or 4.x)" >&2; exit 2 ;;
esac
dir="$root/.cache/kafka/$version"
dest="$dir/libs"
stamp="$dir/pom.xml"
if [ -f "$stamp" ] && cmp -s "$pom" "$stamp" && ls "$dest"/kafka_2.13-"$version".jar >/dev/null 2>&1; then exit 0; fi
echo "fetch-kafka: resolving Kafka $version broker jars from Maven Central" >&2
rm -rf "$root/.cache/kafka/libs" "$root/.cache/kafka/pom.xml" "$dest" && mkdir -p "$dest"   # also drops the old unversioned layout
mvn -q -B -Dstyle.color=never -f "$pom" "${profile[@]}" -Dkafka.version="$version" dependency:copy-dependencies \
  -DoutputDirectory="$dest" -DincludeScope=runtime >&2
cp "$pom" "$stamp"
