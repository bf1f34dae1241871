#!/usr/bin/env bash
# The Debezium connect image's start, as this stand-in does it: the required variables, then every
# CONNECT_A_B=v as `a.b=v` (lower case, each _ a dot), then the image's own variables over those,
# into /kafka/config/connect-distributed.properties; then the distributed worker in the foreground.
set -euo pipefail
[ "${1:-start}" = start ] || exec "$@"
for required in BOOTSTRAP_SERVERS GROUP_ID CONFIG_STORAGE_TOPIC OFFSET_STORAGE_TOPIC; do
    [ -n "${!required:-}" ] || { echo "docker-entrypoint.sh: $required must be set" >&2; exit 1; }
done
props=/kafka/config/connect-distributed.properties
declare -A set
while IFS='=' read -r name value; do
    [[ $name =~ ^CONNECT_ ]] || continue
    key=$(echo "${name#CONNECT_}" | tr '[:upper:]' '[:lower:]' | tr _ .)
    set[$key]=$value
done < <(env)
set[plugin.path]=${set[plugin.path]:-$KAFKA_CONNECT_PLUGINS_DIR}
set[rest.port]=${set[rest.port]:-8083}
# The image's own names win, as in Debezium's entrypoint.
own() { [ -z "${!2:-}" ] || set[$1]=${!2}; }
own bootstrap.servers BOOTSTRAP_SERVERS
own group.id GROUP_ID
own config.storage.topic CONFIG_STORAGE_TOPIC
own offset.storage.topic OFFSET_STORAGE_TOPIC
own status.storage.topic STATUS_STORAGE_TOPIC
own key.converter KEY_CONVERTER
own value.converter VALUE_CONVERTER
own offset.flush.interval.ms OFFSET_FLUSH_INTERVAL_MS
own offset.flush.timeout.ms OFFSET_FLUSH_TIMEOUT_MS
own task.shutdown.graceful.timeout.ms SHUTDOWN_TIMEOUT
: >"$props"
for key in "${!set[@]}"; do printf '%s=%s\n' "$key" "${set[$key]}" >>"$props"; done
# shellcheck disable=SC2086 # the option variables hold several words, as in Kafka's own scripts
exec java "-Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties" -cp '/opt/kafka/libs/*' \
    ${HEAP_OPTS:--Xms256M -Xmx2G} ${KAFKA_JVM_PERFORMANCE_OPTS:-} ${KAFKA_OPTS:-} \
    org.apache.kafka.connect.cli.ConnectDistributed "$props"
