#!/usr/bin/env bash
# Kafka broker + Connect jars and the Debezium connector plugins from Maven Central, into .tools/jars:
#   .tools/jars/kafka/*.jar                     classpath of kafka.Kafka and ConnectDistributed
#   .tools/jars/plugins/debezium-connector-*/   Connect plugin directories (Debezium's own plugin archives)
# Idempotent: skipped when the stamp matches the pom.
set -euo pipefail
cd "$(dirname "$0")/.."
POM=scripts/jars/pom.xml
OUT=.tools/jars
STAMP="$OUT/.pom.sha256"
want=$(sha256sum "$POM" | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then exit 0; fi
echo "bootstrap: fetching Kafka and Debezium jars (Maven Central)"
rm -rf "$OUT" && mkdir -p "$OUT/kafka" "$OUT/plugins"
mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$PWD/$OUT/kafka" -DincludeScope=runtime
debezium=$(sed -n 's:.*<debezium.version>\(.*\)</debezium.version>.*:\1:p' "$POM")
for connector in mysql mariadb postgres; do
    mvn -q -B -f "$POM" dependency:copy -Dartifact="io.debezium:debezium-connector-$connector:$debezium:tar.gz:plugin" -DoutputDirectory="$PWD/$OUT"
    tar -xzf "$OUT/debezium-connector-$connector-$debezium-plugin.tar.gz" -C "$OUT/plugins"
    rm "$OUT/debezium-connector-$connector-$debezium-plugin.tar.gz"
done
echo "$want" > "$STAMP"
