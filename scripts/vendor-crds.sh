#!/bin/sh
# Re-vendors the third-party CRDs in crds/ from the upstream projects' Go module zips, at pinned
# versions, then regenerates their typed bindings in imports/ with `cdk8s import` (offline: it
# reads the local files listed in cdk8s.yaml). The module download goes through whatever Go
# module proxy `go env GOPROXY` names; the checksum database verifies each zip.
#
#   scripts/vendor-crds.sh            re-fetch and regenerate
#
# Karpenter's NodePool CRD (crds/karpenter.sh_nodepools.yaml) is a copy of ../shared/crds and is
# not fetched here.
#
# Bump a version here, run the script, review `git diff crds imports`, then `npm test`.
set -eu
PROMETHEUS_OPERATOR_VERSION=v0.85.0
CERT_MANAGER_VERSION=v1.21.2

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The module's directory in the module cache, after downloading it (and verifying its checksum).
module_dir() {
  (cd "$work" && GOFLAGS=-mod=mod go mod download -json "$1@$2") |
    node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{const m=JSON.parse(s);if(m.Error){console.error(m.Error);process.exit(1)}console.log(m.Dir)})'
}

po=$(module_dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION")
for kind in podmonitors servicemonitors prometheusrules; do
  cp "$po/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$root/crds/"
done

cm=$(module_dir github.com/cert-manager/cert-manager "$CERT_MANAGER_VERSION")
cp "$cm/deploy/crds/cert-manager.io_certificates.yaml" "$root/crds/"
chmod 644 "$root"/crds/*.yaml

# Bindings for every CRD cdk8s.yaml imports (Karpenter's included).
cd "$root"
CDK8S_CHECK_UPGRADE=false npx cdk8s import --no-check-upgrade --language typescript --output imports
