#!/usr/bin/env bash
# Builds the real components of the real-cluster tier from Go modules, once, into a cache
# outside the repo. Each component is a wrapper module under components/ whose go.mod and go.sum
# are the pins; the cache key is a hash of those files and of this script, so a version bump
# rebuilds exactly what changed and a second run builds nothing. A lock serializes concurrent runs.
#
#   test/e2e/build-components.sh            # prints the bin folder on stdout
#   E2E_KUBERNETES=1.30 test/e2e/build-components.sh   # the oldest supported control plane
#
# Environment: E2E_CACHE (default ~/.cache/cdk8s-gitlab-runner/e2e), E2E_KUBERNETES (default:
# the newest minor, components/kubernetes; otherwise components/kubernetes-<minor>).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
components="$here/components"
cache=${E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-gitlab-runner/e2e}
export PATH="/usr/local/go/bin:$PATH"
# go.sum is committed and checked: the module proxy is only a transport here.
export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
export CGO_ENABLED=${CGO_ENABLED:-1}

command -v go >/dev/null || { echo "build-components: Go is needed at /usr/local/go (REFERENCE §7)" >&2; exit 1; }

kube_dir=kubernetes
[ -n "${E2E_KUBERNETES:-}" ] && kube_dir="kubernetes-${E2E_KUBERNETES}"
[ -d "$components/$kube_dir" ] || { echo "build-components: no components/$kube_dir for E2E_KUBERNETES=${E2E_KUBERNETES:-}" >&2; exit 1; }

# The pinned version of module $2 in wrapper $1, from its go.mod (the one place it is written).
pinned() { (cd "$components/$1" && go list -m -f '{{.Version}}' "$2"); }

# build <wrapper> <package...>: go build with the ldflags in $ldflags into $out.
build() {
  local wrapper=$1; shift
  echo "build-components: building $wrapper ($*)" >&2
  (cd "$components/$wrapper" && go build -ldflags "-s -w ${ldflags:-}" -o "$out/" "$@")
}

key=$( { cat "$0"; for d in "$kube_dir" kine kwok minio mc; do cat "$components/$d/go.mod" "$components/$d/go.sum"; done; go version; } | sha256sum | cut -c1-16)
out="$cache/bin-$kube_dir-$key"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -f "$out/.complete" ]; then echo "$out"; exit 0; fi
rm -rf "$out" && mkdir -p "$out"
start=$(date +%s)

k8s=$(pinned "$kube_dir" k8s.io/kubernetes)
minor=${k8s#v1.}; minor=${minor%%.*}
ldflags="-X k8s.io/component-base/version.gitVersion=$k8s -X k8s.io/component-base/version.gitMajor=1
  -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
build "$kube_dir" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl

ldflags="" build kine github.com/k3s-io/kine
kwok=$(pinned kwok sigs.k8s.io/kwok)
build kwok sigs.k8s.io/kwok/cmd/kwok
# kwok's stages (what it does to nodes and pods) ship as data in its module, as kwokctl uses them:
# nodes become Ready and keep a lease, pods become Running, Job pods complete.
kwok_src=$(cd "$components/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
  cat "$kwok_src/$stage.yaml"; echo "---"
done >"$out/kwok-stages.yaml"

# MinIO and mc: the release tag sits in the wrapper's go.mod comment; the binaries report it.
release() { sed -n 's/.*\(RELEASE\.[0-9TZ-]*\).*/\1/p' "$components/$1/go.mod" | head -n 1; }
# Version is the tag's time in RFC 3339, as MinIO's own release build stamps it.
stamp() { local t=${1#RELEASE.}; echo "${t:0:13}:${t:14:2}:${t:17}"; }
minio_tag=$(release minio)
ldflags="-X github.com/minio/minio/cmd.ReleaseTag=$minio_tag -X github.com/minio/minio/cmd.Version=$(stamp "$minio_tag")" \
  CGO_ENABLED=0 build minio github.com/minio/minio
mc_tag=$(release mc)
ldflags="-X github.com/minio/mc/cmd.ReleaseTag=$mc_tag -X github.com/minio/mc/cmd.Version=$(stamp "$mc_tag")" \
  CGO_ENABLED=0 build mc github.com/minio/mc

cat >"$out/versions.json" <<JSON
{"kubernetes":"$k8s","kine":"$(pinned kine github.com/k3s-io/kine)","kwok":"$kwok","minio":"$minio_tag","mc":"$mc_tag","go":"$(go env GOVERSION)","buildSeconds":$(( $(date +%s) - start ))}
JSON
touch "$out/.complete"
echo "build-components: built in $(( $(date +%s) - start )) s into $out" >&2
echo "$out"
