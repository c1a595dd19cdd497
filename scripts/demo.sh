#!/usr/bin/env bash
# The demonstration: a small network's PKI and signed directory are made in ./demo, then real
# example documents go through the whole pure message path with the ssgw command line
# (validate, sign, encrypt, decrypt, verify) and the agreement policy answers real questions.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null

ssgw=.venv/bin/ssgw
examples=schemas/examples
demo=demo
rm -rf "$demo"
mkdir -p "$demo/messages"

step() { printf '\n== %s\n' "$*"; }

step "A network authority and five institutions in four countries"
$ssgw pki init "$demo/pki" --name "Demo Social Security Network Authority"
for institution in DE:DRV70001 FR:CNAV FR:URSSAF IN:EPFO TN:CNSS; do
    $ssgw pki issue "$demo/pki" "$institution"
done

step "The network directory: 15 institutions, 8 agreements, signed by the authority"
$ssgw directory sign "$examples/Directory.xml" --pki "$demo/pki" -o "$demo/directory.xml"
network=(--directory "$demo/directory.xml" --authority "$demo/pki/authority.pem")
$ssgw directory verify "$demo/directory.xml" --authority "$demo/pki/authority.pem"

step "Every example document is valid"
documents=()
for file in "$examples"/*.xml; do
    [ "$(basename "$file")" = Directory.xml ] || documents+=("$file")
done
$ssgw validate "${documents[@]}"

exchange() {
    local name=$1 sender=$2 recipient=$3
    local from=${sender/:/_} to=${recipient/:/_} out="$demo/messages/$name"
    $ssgw sign "$examples/$name.xml" --to "$recipient" \
        --key "$demo/pki/institutions/$from/signing.key" \
        --cert "$demo/pki/institutions/$from/signing.pem" -o "$out.signed.xml"
    $ssgw encrypt "$out.signed.xml" --to "$recipient" "${network[@]}" -o "$out.jwe"
    $ssgw decrypt "$out.jwe" \
        --key "$demo/pki/institutions/$to/encryption.key" \
        --cert "$demo/pki/institutions/$to/encryption.pem" -o "$out.opened.xml"
    printf '%-28s %-12s -> %-12s %6s bytes sealed: ' "$name" "$sender" "$recipient" \
        "$(wc -c <"$out.jwe")"
    $ssgw verify "$out.opened.xml" "${network[@]}" | cut -c1-60
}

step "Documents cross: signed by the sender, sealed for the recipient, opened and verified"
exchange InsurancePeriodsRequest FR:CNAV DE:DRV70001
exchange InsurancePeriodsReply DE:DRV70001 FR:CNAV
exchange BenefitClaim DE:DRV70001 FR:CNAV
exchange BenefitClaimAcknowledgement FR:CNAV DE:DRV70001
exchange BenefitDecision FR:CNAV DE:DRV70001
exchange CoverageRequest FR:URSSAF TN:CNSS
exchange CoverageCertificate FR:URSSAF TN:CNSS

step "A tampered message is refused"
sed 's/FR:CNAV<\/env:Recipient>/TN:CNSS<\/env:Recipient>/' \
    "$demo/messages/BenefitClaim.opened.xml" >"$demo/messages/tampered.xml"
if $ssgw verify "$demo/messages/tampered.xml" "${network[@]}"; then
    echo "error: a tampered message verified" >&2
    exit 1
fi

ask() {
    printf '%-12s -> %-12s %-24s %-12s ' "$1" "$2" "$3" "${4:-}"
    $ssgw policy check --from "$1" --to "$2" --type "$3" ${4:+--branch "$4"} \
        ${5:+--on "$5"} "${network[@]}" || true
}

step "The agreement policy"
ask IN:EPFO DE:DRV70001 BenefitClaim old-age
ask IN:EPFO DE:DRV70001 BenefitClaim invalidity
ask DE:DRV70001 IN:EPFO InsurancePeriodsRequest old-age 2016-06-30
ask FR:URSSAF TN:CNSS CoverageCertificate
ask FR:CNAV IN:EPFO BenefitClaim old-age
ask FR:CNAV TN:CNSS CoverageRequest

step "Done. The PKI, directory and messages are in ./$demo"
