#!/usr/bin/env bash
# A RabbitMQ cluster of several members on one machine: for staging, for rehearsing the loss of
# a member, and for the gateway's own failover tests and benchmark. Production clusters run one
# member per host (docs/deployment.md, "A three-node cluster"); this starts the same kind of
# cluster with every member on this host, each with its own name, ports and data.
#
#   local-cluster.sh start              start the members and join them into one cluster
#   local-cluster.sh status             the cluster as its first member sees it
#   local-cluster.sh kill N             end member N at once (SIGKILL), as a crash would
#   local-cluster.sh start-member N     start member N again; it rejoins by itself
#   local-cluster.sh stop               stop every member and delete the cluster's data
#
# Settings (environment):
#   SSGW_CLUSTER_DIR    data, logs and configuration (default /tmp/ssgw-rabbitmq-cluster)
#   SSGW_CLUSTER_SIZE   members (default 3)
#   SSGW_CLUSTER_PORT   AMQP port of member 1; member N listens on PORT+N-1 (default 5681).
#                       Erlang distribution takes PORT+N-1+20000, RabbitMQ's own rule.
#                       'auto': the script picks free ports from 11000 up. The port chosen
#                       is kept in $SSGW_CLUSTER_DIR/port and used by the other commands.
#
# Member N is named ssgw-N@localhost. The members share the Erlang cookie of the user that runs
# them: run as root, they run as the 'rabbitmq' user with its cookie, like the system broker.
# Clients connect as guest/guest on 127.0.0.1, e.g. amqp://guest:guest@127.0.0.1:5681/.
set -euo pipefail

dir=${SSGW_CLUSTER_DIR:-/tmp/ssgw-rabbitmq-cluster}
size=${SSGW_CLUSTER_SIZE:-3}
bin=/usr/lib/rabbitmq/bin

fail() {
    echo "local-cluster: $*" >&2
    exit 1
}

[[ -x $bin/rabbitmq-server ]] || fail "RabbitMQ is not installed ($bin/rabbitmq-server is missing)"
[[ $size =~ ^[1-9]$ ]] || fail "SSGW_CLUSTER_SIZE must be 1 to 9, not '$size'"

# Whether something answers on a local port.
taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A first port from which every member's AMQP and distribution ports are free.
free_port() {
    local base n
    for base in $(seq 11000 10 11990 | shuf); do
        for n in $(seq 0 $((size - 1))); do
            taken $((base + n)) || taken $((base + n + 20000)) && continue 2
        done
        echo "$base"
        return
    done
    fail "found no free ports for $size members from 11000 to 12000"
}

if [[ ${1:-} != start && -f $dir/port ]]; then
    port=$(cat "$dir/port")
elif [[ ${SSGW_CLUSTER_PORT:-} == auto ]]; then
    port=$(free_port) || exit 1
else
    port=${SSGW_CLUSTER_PORT:-5681}
fi

[[ $port =~ ^[0-9]+$ ]] && ((port >= 1024 && port + size <= 45535)) \
    || fail "SSGW_CLUSTER_PORT must be a port from 1024 that leaves room for $size members"

name() { echo "ssgw-$1@localhost"; }

member() {
    [[ ${1:-} =~ ^[1-9]$ ]] && (($1 <= size)) || fail "name a member from 1 to $size, not '${1:-}'"
}

# Runs a RabbitMQ command as the user whose cookie the members share.
as_broker() {
    if [[ $(id -u) == 0 ]]; then
        runuser -u rabbitmq -- env HOME=/var/lib/rabbitmq "$@"
    else
        "$@"
    fi
}

ctl() { as_broker "$bin/rabbitmqctl" -n "$(name "$1")" "${@:2}"; }

start_member() {
    local n=$1 base="$dir/ssgw-$1"
    mkdir -p "$base/data" "$base/log"
    # No plugins: the members need no management port that could clash with the system's.
    : >"$base/enabled_plugins"
    # Loopback only, AMQP and Erlang distribution alike: guest may then connect, and nothing
    # of the staging cluster is reachable from elsewhere.
    printf 'listeners.tcp.local = 127.0.0.1:%s\n' "$((port + n - 1))" >"$base/rabbitmq.conf"
    [[ $(id -u) == 0 ]] && chown -R rabbitmq:rabbitmq "$dir"
    as_broker env \
        RABBITMQ_NODENAME="$(name "$n")" \
        RABBITMQ_NODE_PORT="$((port + n - 1))" \
        RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins" \
        RABBITMQ_MNESIA_BASE="$base/data" \
        RABBITMQ_LOG_BASE="$base/log" \
        RABBITMQ_PID_FILE="$base/pid" \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        "$bin/rabbitmq-server" -detached
    # -detached returns at once; 'wait' waits for the pid file and then for the boot.
    ctl "$n" wait "$base/pid" --timeout 120 >/dev/null \
        || fail "member $n did not start; its log is in $base/log"
}

case ${1:-} in
start)
    mkdir -p "$dir"
    echo "$port" >"$dir/port"
    for n in $(seq 1 "$size"); do
        echo "local-cluster: starting member $n on port $((port + n - 1))"
        start_member "$n"
        if ((n > 1)); then
            # The members' complaints while they join go to the member's own log folder.
            {
                ctl "$n" stop_app && ctl "$n" join_cluster "$(name 1)" && ctl "$n" start_app
            } >>"$dir/ssgw-$n/log/join.log" 2>&1 || fail "member $n did not join; see $dir/ssgw-$n/log"
        fi
    done
    ctl 1 await_online_nodes "$size" --timeout 120 >/dev/null \
        || fail "the members did not form one cluster of $size"
    echo "local-cluster: $size members running, AMQP ports $port to $((port + size - 1))"
    ;;
status)
    ctl 1 cluster_status
    ;;
kill)
    member "${2:-}"
    pid=$(cat "$dir/ssgw-$2/pid" 2>/dev/null) || fail "member $2 has no pid file: not started here"
    kill -KILL "$pid"
    echo "local-cluster: member $2 (process $pid) killed"
    ;;
start-member)
    member "${2:-}"
    start_member "$2"
    echo "local-cluster: member $2 running again"
    ;;
stop)
    for n in $(seq 1 "$size"); do
        if pid=$(cat "$dir/ssgw-$n/pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
            ctl "$n" stop >/dev/null 2>&1 || kill -KILL "$pid"
        fi
    done
    rm -rf "$dir"
    echo "local-cluster: stopped, $dir deleted"
    ;;
*)
    fail "usage: local-cluster.sh start | status | kill N | start-member N | stop"
    ;;
esac
