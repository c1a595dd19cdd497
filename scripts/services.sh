#!/usr/bin/env bash
# Starts the services the tests talk to (RabbitMQ, PostgreSQL) when they are installed here
# but not running. Services elsewhere are named by GATEWAY_TEST_AMQP_URL and
# GATEWAY_TEST_DATABASE_URL and are left alone.
set -euo pipefail

# Which services to check: "rabbitmq", "postgresql" (default: both).
wanted=" ${*:-rabbitmq postgresql} "

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [[ $wanted == *" rabbitmq "* ]] && [ -z "${GATEWAY_TEST_AMQP_URL:-}" ] && ! port_open 5672; then
    if command -v rabbitmq-server >/dev/null; then
        echo "services: starting RabbitMQ"
        rabbitmq-server -detached
        timeout 120 rabbitmqctl await_startup >/dev/null
    else
        echo "error: RabbitMQ is not running on 127.0.0.1:5672 and is not installed" >&2
        exit 2
    fi
fi

if [[ $wanted == *" postgresql "* ]] && [ -z "${GATEWAY_TEST_DATABASE_URL:-}" ] &&
    ! port_open 5432; then
    if command -v pg_ctlcluster >/dev/null; then
        echo "services: starting PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
        for _ in $(seq 1 60); do port_open 5432 && break; sleep 1; done
    else
        echo "error: PostgreSQL is not running on 127.0.0.1:5432 and is not installed" >&2
        exit 2
    fi
fi
