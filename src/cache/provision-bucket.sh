#!/bin/sh
# Provisions the runner cache bucket on MinIO; runs as the provisioning Job's container (mc image).
#
#   provision-bucket.sh CONFIG_DIR SECRETS_DIR
#
# CONFIG_DIR, from a ConfigMap written at synth time: lifecycle.json (the expiry rule) and
#   policy.json (the runner user's bucket-scoped policy).
# SECRETS_DIR, files from Secrets (never in the Job's spec): root-user and root-password (MinIO's
#   root credentials), cache-accesskey and cache-secretkey (the runner user's keys).
# Environment: MINIO_URL (http[s]://host:port), MINIO_CA_FILE (with https: the CA that signed
#   MinIO's certificate, trusted by mc; unset for http), BUCKET, POLICY (policy name), QUOTA_BYTES (empty for
#   no quota), MC_CONFIG_DIR (in memory: mc keeps the root credentials there), READY_ATTEMPTS,
#   READY_INTERVAL (seconds between attempts) and READY_TIMEOUT (seconds one check may take) to
#   wait for MinIO.
#
# Every step is idempotent, so the Job can run again whenever its inputs change, and the bucket
# ends up exactly as configured (an expiry or quota removed from the props is removed here too):
#  1. wait until MinIO is ready;
#  2. create the bucket if missing; suspend versioning (a cache keeps no old versions);
#  3. replace the bucket's lifecycle configuration with lifecycle.json;
#  4. set the quota, or clear it;
#  5. create or replace the policy, create the runner user or update its secret key, attach the
#     policy to it.
# Secret values reach mc on stdin, never on a command line; only the runner user's access key
# (an identifier, not a secret) is printed. They are read as secret-value.sh defines (shipped
# beside this script): trimmed, refused when empty, holding whitespace, a control character or a
# NUL, starting with a byte-order mark or not UTF-8.
set -eu
export LC_ALL=C
# Beside this script in its ConfigMap; ${0%/*}, as the image may have no dirname.
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/secret-value.sh"

config_dir=$1
secrets_dir=$2
alias=cache

fail() {
  echo "provision-bucket: $*" >&2
  exit 1
}

# A secret file's value as secret-value.sh defines it (shared with render-config.sh, so the
# runner and this Job accept and refuse the same values), at least $2 characters long.
secret() {
  value=$(secret_value "$secrets_dir/$1" "$1") || fail "refusing secret $1 (see above)"
  [ "${#value}" -ge "$2" ] || fail "secret $1 is shorter than $2 characters (MinIO's minimum)"
  printf '%s' "$value"
}

: "${MINIO_URL:?}" "${BUCKET:?}" "${POLICY:?}"
root_user=$(secret root-user 3)
root_password=$(secret root-password 8)
access_key=$(secret cache-accesskey 3)
secret_key=$(secret cache-secretkey 8)
[ "$access_key" != "$root_user" ] || fail "the cache access key is MinIO's root user: runners must get their own user"

# MinIO over HTTPS: mc trusts the CA files in its config directory's certs/CAs (besides the
# system's), and verifies MinIO's certificate against them; never --insecure.
if [ -n "${MINIO_CA_FILE:-}" ]; then
  [ -s "$MINIO_CA_FILE" ] || fail "MINIO_CA_FILE $MINIO_CA_FILE is missing or empty"
  mkdir -p "${MC_CONFIG_DIR:?}/certs/CAs"
  cp "$MINIO_CA_FILE" "$MC_CONFIG_DIR/certs/CAs/minio-ca.crt"
fi

# --api skips mc's signature probe, so the alias can be set before MinIO answers.
printf '%s\n%s\n' "$root_user" "$root_password" | mc alias set "$alias" "$MINIO_URL" --api S3v4 --path on >/dev/null

# `mc ready` itself retries without end while MinIO is unreachable: each check gets READY_TIMEOUT
# seconds, then counts as a failed attempt, so the Job fails with a message rather than hanging
# until its deadline. sh, sleep and kill only: the mc image has no `timeout`.
ready() {
  mc ready "$alias" >/dev/null 2>&1 &
  check=$!
  (sleep "${READY_TIMEOUT:-10}"; kill "$check" 2>/dev/null) >/dev/null 2>&1 &
  watchdog=$!
  status=0
  wait "$check" || status=$?
  kill "$watchdog" 2>/dev/null || true
  return "$status"
}

echo "provision-bucket: waiting for MinIO at $MINIO_URL"
attempt=1
until ready; do
  [ "$attempt" -lt "${READY_ATTEMPTS:-60}" ] || fail "MinIO at $MINIO_URL is not ready after $attempt attempts"
  attempt=$((attempt + 1))
  sleep "${READY_INTERVAL:-5}"
done

mc mb --ignore-existing "$alias/$BUCKET"
mc version suspend "$alias/$BUCKET"
mc ilm import "$alias/$BUCKET" < "$config_dir/lifecycle.json"
if [ -n "${QUOTA_BYTES:-}" ]; then
  mc quota set "$alias/$BUCKET" --size "$QUOTA_BYTES"
else
  mc quota clear "$alias/$BUCKET"
fi

mc admin policy create "$alias" "$POLICY" "$config_dir/policy.json"
printf '%s\n%s\n' "$access_key" "$secret_key" | mc admin user add "$alias"
mc admin policy attach "$alias" "$POLICY" --user "$access_key"
echo "provision-bucket: bucket $BUCKET is ready; user $access_key has policy $POLICY"
