#!/bin/sh
# One-shot set-up of the compose network, run by its "init" service as the node's user:
# the network PKI, the signed directory, the broker definitions (one user per institution)
# and one back-office API key per node. Safe to run again: what exists is kept.
set -eu

pki=/var/lib/ssgw/pki
broker=/var/lib/ssgw/broker
keys=/var/lib/ssgw/keys

if [ ! -f "$pki/directory.xml" ]; then
    ssgw pki init "$pki" --name "Example Social Security Network Authority" --force
    # Every institution the example directory gives an agreement to gets its keys; three of
    # them run a node here.
    for institution in DE:DRV70001 FR:CNAV FR:URSSAF IN:EPFO TN:CNSS; do
        ssgw pki issue "$pki" "$institution"
    done
    ssgw directory sign /etc/ssgw/directory-source.xml --pki "$pki" --output "$pki/directory.xml"
fi
ssgw directory verify "$pki/directory.xml" --authority "$pki/authority.pem"

if [ ! -f "$broker/definitions.json" ]; then
    ssgw broker definitions --directory "$pki/directory.xml" --authority "$pki/authority.pem" \
        --out "$broker"
    # RabbitMQ runs as another user; the file holds password hashes only.
    chmod 0644 "$broker/definitions.json"
fi

for node in de-drv70001 fr-cnav in-epfo; do
    config="/etc/ssgw/$node.toml"
    GATEWAY_DATABASE_URL="postgresql+psycopg://ssgw:$SSGW_POSTGRES_PASSWORD@postgres:5432/$(echo "$node" | tr - _)"
    export GATEWAY_DATABASE_URL
    ssgw db migrate --config "$config"
    if [ ! -s "$keys/$node" ]; then
        # Key names are unique; a lost key file is replaced by a key of a new name.
        ssgw apikey create "reference-back-office-$(date +%s)" --config "$config" >"$keys/$node.new"
        mv "$keys/$node.new" "$keys/$node"
    fi
done
echo "init: PKI, directory, broker definitions and API keys are in place"
