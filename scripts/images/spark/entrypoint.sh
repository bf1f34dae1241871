#!/bin/bash
# /opt/entrypoint.sh of cdc-test/spark, written to behave like apache/spark's image where the
# stack depends on it (see ../shared/REFERENCE.md, "Apache Spark image"):
#   - `driver` / `executor` (Spark on Kubernetes): give an unknown uid a passwd entry through
#     nss_wrapper, drop root to the `spark` user, run the driver (spark-submit) or the executor backend;
#   - anything else is pass-through: exec the arguments exactly as given. No passwd entry is faked and
#     no user is switched, so a uid the image does not know (e.g. 1000) has no user name, as in the
#     real image: the standalone master and worker run this way. No arguments: exit 0 (no CMD).
set -eo pipefail

# A passwd/group entry for the current uid when the image has none (nss_wrapper reads both files
# through LD_PRELOAD); used by the Kubernetes modes only.
give_uid_a_name() {
    local uid gid lib
    uid="$(id -u)"
    gid="$(id -g)"
    getent passwd "$uid" >/dev/null 2>&1 && return 0
    for lib in /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so /lib/*/libnss_wrapper.so; do
        [ -s "$lib" ] || continue
        NSS_WRAPPER_PASSWD="$(mktemp)"
        NSS_WRAPPER_GROUP="$(mktemp)"
        printf 'spark:x:%s:%s:%s:%s:/bin/false\n' "$uid" "$gid" "${SPARK_USER_NAME:-anonymous uid}" "$SPARK_HOME" >"$NSS_WRAPPER_PASSWD"
        printf 'spark:x:%s:\n' "$gid" >"$NSS_WRAPPER_GROUP"
        export LD_PRELOAD="$lib" NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
        return 0
    done
}

# As root, run the command as the image's spark user (uid 185); otherwise as we are.
as_spark() {
    if [ "$(id -u)" -eq 0 ]; then
        exec setpriv --reuid=spark --regid=spark --init-groups -- "$@"
    fi
    exec "$@"
}

# Spark's classpath for the executor backend: conf dirs first, then the jars.
spark_classpath() {
    local cp="${SPARK_CLASSPATH:+$SPARK_CLASSPATH:}$SPARK_HOME/jars/*"
    [ -z "${HADOOP_CONF_DIR:-}" ] || cp="$HADOOP_CONF_DIR:$cp"
    cp="${SPARK_CONF_DIR:-$SPARK_HOME/conf}:$cp"
    [ -z "${SPARK_EXTRA_CLASSPATH:-}" ] || cp="$cp:$SPARK_EXTRA_CLASSPATH"
    [ -z "${SPARK_DIST_CLASSPATH:-}" ] || cp="$cp:$SPARK_DIST_CLASSPATH"
    printf '%s' "$cp"
}

case "${1:-}" in
    driver)
        shift
        give_uid_a_name
        as_spark "$SPARK_HOME/bin/spark-submit" \
            --conf "spark.driver.bindAddress=${SPARK_DRIVER_BIND_ADDRESS:-}" \
            --conf "spark.executorEnv.SPARK_DRIVER_POD_IP=${SPARK_DRIVER_BIND_ADDRESS:-}" \
            --deploy-mode client "$@"
        ;;
    executor)
        shift
        give_uid_a_name
        java_opts=()
        for var in "${!SPARK_JAVA_OPT_@}"; do java_opts+=("${!var}"); done
        as_spark "$JAVA_HOME/bin/java" "${java_opts[@]}" \
            "-Xms${SPARK_EXECUTOR_MEMORY:?}" "-Xmx${SPARK_EXECUTOR_MEMORY:?}" \
            -cp "$(spark_classpath)" org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
            --driver-url "${SPARK_DRIVER_URL:?}" --executor-id "${SPARK_EXECUTOR_ID:?}" \
            --cores "${SPARK_EXECUTOR_CORES:?}" --app-id "${SPARK_APPLICATION_ID:?}" \
            --hostname "${SPARK_EXECUTOR_POD_IP:?}" --resourceProfileId "${SPARK_RESOURCE_PROFILE_ID:-0}" \
            --podName "${SPARK_EXECUTOR_POD_NAME:-}"
        ;;
    *)
        # Pass-through: the command as given, as the container's user, nothing added.
        exec "$@"
        ;;
esac
