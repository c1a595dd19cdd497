#!/usr/bin/env bash
# The main job: five institutions' nodes on the local RabbitMQ exchange real documents;
# the nodes and their APIs keep running until Ctrl-C. Extra arguments go to 'ssgw demo'
# (for example --once).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/services.sh rabbitmq
exec .venv/bin/ssgw demo "$@"
