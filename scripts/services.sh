#!/usr/bin/env bash
# Starts the services the tests and the demo talk to (RabbitMQ, PostgreSQL) when they are not
# running, installing their Debian packages first when they are missing. Services elsewhere
# are named by GATEWAY_TEST_AMQP_URL and GATEWAY_TEST_DATABASE_URL and are left alone.
set -euo pipefail

# Which services to check: "rabbitmq", "postgresql" (default: both).
wanted=" ${*:-rabbitmq postgresql} "

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

# Installs Debian packages, or says in one line what to run when this user cannot.
install_packages() {
    if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
        echo "error: $1 is not installed; as root run: apt-get install -y $*" >&2
        exit 2
    fi
    echo "services: installing $* (Debian packages)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for_port() {
    for _ in $(seq 1 120); do port_open "$1" && return 0; sleep 1; done
    echo "error: $2 did not open 127.0.0.1:$1 within 120 s" >&2
    exit 2
}

start_rabbitmq() {
    command -v rabbitmq-server >/dev/null || install_packages rabbitmq-server
    # The package may have started it already.
    port_open 5672 && return 0
    echo "services: starting RabbitMQ"
    as_root rabbitmq-server -detached
    as_root timeout 120 rabbitmqctl await_startup >/dev/null
    wait_for_port 5672 RabbitMQ
}

# A cluster this script installed answers the tests' password-less URL on the loopback
# (postgres@127.0.0.1/test); an existing cluster's access rules are never changed.
prepare_new_cluster() {
    local hba
    hba=$(as_root runuser -u postgres -- psql -Atc 'SHOW hba_file')
    echo "services: PostgreSQL was installed here: trusting postgres on 127.0.0.1 ($hba)"
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    as_root runuser -u postgres -- psql -qc 'SELECT pg_reload_conf()' >/dev/null
    as_root runuser -u postgres -- createdb test
}

start_postgresql() {
    local fresh=0
    if ! command -v pg_ctlcluster >/dev/null; then
        install_packages postgresql
        fresh=1
    fi
    if ! port_open 5432; then
        echo "services: starting PostgreSQL"
        as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
        wait_for_port 5432 PostgreSQL
    fi
    [ "$fresh" -eq 0 ] || prepare_new_cluster
}

if [[ $wanted == *" rabbitmq "* ]] && [ -z "${GATEWAY_TEST_AMQP_URL:-}" ] && ! port_open 5672; then
    start_rabbitmq
fi

if [[ $wanted == *" postgresql "* ]] && [ -z "${GATEWAY_TEST_DATABASE_URL:-}" ] &&
    ! port_open 5432; then
    start_postgresql
fi
