#!/bin/sh
# Renders the runner's config.toml at pod start; runs as the manager pod's init container.
#
#   render-config.sh TEMPLATE CONFIG_DIR SECRETS_DIR NAME...
#
# 1. Writes CONFIG_DIR/config.toml from TEMPLATE (written at synth time by a TOML library),
#    replacing each "@@secret:" NAME "@@" with the content of SECRETS_DIR/NAME, in one pass,
#    so a secret's own text is never scanned again. Values are trimmed (a trailing newline in
#    a token breaks auth) and escaped for the TOML basic strings the placeholders stand in.
#    A secret is read when a placeholder needs it (the Secrets of parts switched off may be
#    absent). A placeholder with no NAME argument, or a missing, empty or multi-line secret,
#    fails the pod, naming the secret key.
# 2. Writes CONFIG_DIR/.runner_system_id, derived from the pod name, so each StatefulSet replica
#    keeps one runner system ID across restarts and GitLab shows no ghost runner managers.
#    SYSTEM_ID_SEED (the manager's namespace/name) keeps IDs of other managers apart.
#
# CONFIG_DIR is an in-memory emptyDir: the rendered secrets never touch a disk.
set -eu

template=$1
config_dir=$2
secrets_dir=$3
shift 3

work="$config_dir/config.toml.rendering"
awk -v secrets_dir="$secrets_dir" -v names="$*" '
  function fail(msg) { print "render-config: " msg > "/dev/stderr"; exit 2 }
  function load(name,    file, line, value, n, i, c, escaped) {
    file = secrets_dir "/" name
    value = ""; n = 0
    while ((getline line < file) > 0) value = (n++ ? value "\n" : "") line
    close(file)
    sub(/^[ \t\r\n]+/, "", value); sub(/[ \t\r\n]+$/, "", value)
    if (value == "") fail("secret key " name " is missing or empty at " file)
    if (value ~ /[\001-\037\177]/) fail("secret key " name " holds a line break or control character")
    escaped = ""
    for (i = 1; i <= length(value); i++) {
      c = substr(value, i, 1)
      if (c == "\\" || c == "\"") escaped = escaped "\\"
      escaped = escaped c
    }
    return escaped
  }
  BEGIN {
    open = "@@secret:"
    count = split(names, list, " ")
    for (i = 1; i <= count; i++) known[list[i]] = 1
  }
  {
    out = ""; rest = $0
    while ((at = index(rest, open)) > 0) {
      tail = substr(rest, at + length(open))
      close_at = index(tail, "@@")
      if (close_at == 0) break
      name = substr(tail, 1, close_at - 1)
      if (name !~ /^[-._a-z0-9]+\/[-._a-zA-Z0-9]+$/) { out = out substr(rest, 1, at + length(open) - 1); rest = tail; continue }
      if (!(name in known)) fail("config.toml needs @@secret:" name "@@ but no such secret is mounted")
      if (!(name in secret)) secret[name] = load(name)
      out = out substr(rest, 1, at - 1) secret[name]
      rest = substr(tail, close_at + 2)
    }
    print out rest
  }
' "$template" > "$work" || { rm -f "$work"; exit 1; }
chmod 600 "$work"
mv "$work" "$config_dir/config.toml"

: "${POD_NAME:?POD_NAME must be set from the downward API}"
hash=$(printf '%s/%s' "${SYSTEM_ID_SEED:-}" "$POD_NAME" | sha256sum | cut -c1-12)
printf 's_%s' "$hash" > "$config_dir/.runner_system_id"
echo "render-config: wrote config.toml ($# secret values) and system ID s_$hash for $POD_NAME"
