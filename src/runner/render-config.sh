#!/bin/sh
# Renders the runner's config.toml at pod start; runs as the manager pod's init container.
#
#   render-config.sh TEMPLATE CONFIG_DIR SECRETS_DIR SITE...
#
# 1. Writes CONFIG_DIR/config.toml from TEMPLATE (written at synth time by a TOML library),
#    filling in the placeholders the library put there, and only those. Each SITE,
#    `TABLE.KEY=NAME` (e.g. `runners.token=runner-token/token`), says that a line
#    `KEY = "@@secret:NAME@@"` under the table header `[TABLE]` or `[[TABLE]]` takes the content
#    of SECRETS_DIR/NAME. Any other "@@secret:" in the template fails the pod: text that reached
#    config.toml from elsewhere (a job variable, an annotation, a Helm value) never gets a secret
#    filled in. Substitution is one pass, so a secret's own text is never scanned again.
#    Values are read as secret-value.sh (shared with provision-bucket.sh) defines: trimmed,
#    refused when empty, multi-line, holding a control character or a NUL, starting with a
#    byte-order mark or not UTF-8, naming the secret key; then escaped for the TOML basic
#    string the placeholder stands in. A secret is read only when a placeholder needs it (the
#    Secrets of parts switched off may be absent).
# 2. Writes CONFIG_DIR/.runner_system_id, derived from the pod name, so each StatefulSet replica
#    keeps one runner system ID across restarts and GitLab shows no ghost runner managers.
#    SYSTEM_ID_SEED (the manager's namespace/name) keeps IDs of other managers apart.
#
# CONFIG_DIR is an in-memory emptyDir: the rendered secrets never touch a disk.
set -eu
export LC_ALL=C
# Beside this script in its ConfigMap; ${0%/*}, as the image may have no dirname.
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/secret-value.sh"

template=$1
config_dir=$2
secrets_dir=$3
shift 3

# Prints the index (1-based, in SITE order) of the site each placeholder line uses, one a line;
# with pass=render, writes the rendered file, taking the values from RENDER_SECRET_<index>.
render() {
  awk -v pass="$1" -v sites="$2" '
    function fail(msg) { print "render-config: " msg > "/dev/stderr"; exit 2 }
    function escape(value,    i, c, out) {
      out = ""
      for (i = 1; i <= length(value); i++) {
        c = substr(value, i, 1)
        if (c == "\\" || c == "\"") out = out "\\"
        out = out c
      }
      return out
    }
    BEGIN {
      count = split(sites, list, "\n")
      for (i = 1; i <= count; i++) if (list[i] != "" && !(list[i] in site)) site[list[i]] = i
      table = ""
    }
    /^\[\[?[^]]*\]\]?$/ { table = $0; gsub(/^\[\[?|\]\]?$/, "", table) }
    index($0, "@@secret:") > 0 {
      if (!match($0, /^[A-Za-z0-9_]+ = "@@secret:[^"@]+@@"$/)) {
        fail("line " NR " holds @@secret: outside a placeholder the library wrote: refusing to fill in a secret there")
      }
      key = substr($0, 1, index($0, " ") - 1)
      name = substr($0, length(key) + 14); name = substr(name, 1, length(name) - 3)
      at = (table == "" ? "" : table ".") key "=" name
      if (!(at in site)) fail("line " NR ": " key " = \"@@secret:" name "@@\" under [" table "] is not a placeholder site (" at " is not among the arguments)")
      if (pass == "scan") { print site[at]; next }
      print key " = \"" escape(ENVIRON["RENDER_SECRET_" site[at]]) "\""
      next
    }
    pass == "render" { print }
  ' "$template"
}

nl='
'
sites=
for site; do sites="$sites$site$nl"; done
needed=$(render scan "$sites") || exit 1
i=0
for site; do
  i=$((i + 1))
  case "$nl$needed$nl" in
    *"$nl$i$nl"*)
      name=${site#*=}
      [ -e "$secrets_dir/$name" ] || { echo "render-config: config.toml needs secret key $name but it is not mounted at $secrets_dir/$name" >&2; exit 1; }
      value=$(secret_value "$secrets_dir/$name" "key $name") || exit 1
      export "RENDER_SECRET_$i=$value"
      ;;
  esac
done

work="$config_dir/config.toml.rendering"
render render "$sites" > "$work" || { rm -f "$work"; exit 1; }
chmod 600 "$work"
mv "$work" "$config_dir/config.toml"

: "${POD_NAME:?POD_NAME must be set from the downward API}"
hash=$(printf '%s/%s' "${SYSTEM_ID_SEED:-}" "$POD_NAME" | sha256sum | cut -c1-12)
printf 's_%s' "$hash" > "$config_dir/.runner_system_id"
echo "render-config: wrote config.toml ($# placeholder sites) and system ID s_$hash for $POD_NAME"
