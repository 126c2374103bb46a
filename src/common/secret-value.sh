# What a Secret value may be, for every script that reads one (render-config.sh in the runner
# image, provision-bucket.sh in the mc image): one definition, sourced by both, so a value one
# of them accepts is never refused, or silently changed, by the other.
#
#   . secret-value.sh; value=$(secret_value FILE NAME) || exit 1
#
# Prints the file's content with leading and trailing whitespace trimmed (a trailing newline is
# common, and breaks authentication), or fails, naming NAME and the reason, when the file is
# missing, or the value is empty, holds whitespace or a control character inside, holds a NUL
# byte anywhere, starts with a byte-order mark, or is not UTF-8.
#
# POSIX sh plus `cat` only: the mc image has little else. Byte-wise: the caller sets LC_ALL=C.
# A NUL cannot be held in a shell variable ($(cat) drops it, silently in dash and busybox), so it
# is found by comparing `cat -v` of the file with `cat -v` of what was read: only a NUL makes
# them differ.
secret_value() {
  [ -r "$1" ] || { echo "secret $2 is missing ($1)" >&2; return 1; }
  { sv_raw=$(cat -- "$1"); } 2>/dev/null
  if [ "$(cat -v -- "$1")" != "$(printf '%s' "$sv_raw" | cat -v)" ]; then
    echo "secret $2 holds a NUL byte" >&2; return 1
  fi
  sv_value=${sv_raw#"${sv_raw%%[![:space:]]*}"}
  sv_value=${sv_value%"${sv_value##*[![:space:]]}"}
  case $sv_value in
    '') echo "secret $2 is empty" >&2; return 1 ;;
    *[[:space:]]* | *[[:cntrl:]]*) echo "secret $2 holds whitespace, a line break or a control character inside" >&2; return 1 ;;
    "$(printf '\357\273\277')"*) echo "secret $2 starts with a byte-order mark: store the value without one" >&2; return 1 ;;
    *[!\ -~]*) secret_utf8 "$sv_value" || { echo "secret $2 is not valid UTF-8" >&2; return 1; } ;;
  esac
  printf '%s' "$sv_value"
}

# secret_utf8 TEXT: whether TEXT is well-formed UTF-8 (RFC 3629: no overlong forms, no
# surrogates, nothing above U+10FFFF), byte by byte.
secret_utf8() {
  su_rest=$1; su_need=0; su_lo=128; su_hi=191
  while [ -n "$su_rest" ]; do
    su_char=${su_rest%"${su_rest#?}"}; su_rest=${su_rest#?}
    su_b=$(printf '%d' "'$su_char")
    if [ "$su_need" -gt 0 ]; then
      [ "$su_b" -ge "$su_lo" ] && [ "$su_b" -le "$su_hi" ] || return 1
      su_need=$((su_need - 1)); su_lo=128; su_hi=191
      continue
    fi
    if [ "$su_b" -lt 128 ]; then continue
    elif [ "$su_b" -ge 194 ] && [ "$su_b" -le 223 ]; then su_need=1
    elif [ "$su_b" -eq 224 ]; then su_need=2; su_lo=160
    elif [ "$su_b" -eq 237 ]; then su_need=2; su_hi=159
    elif [ "$su_b" -ge 225 ] && [ "$su_b" -le 239 ]; then su_need=2
    elif [ "$su_b" -eq 240 ]; then su_need=3; su_lo=144
    elif [ "$su_b" -ge 241 ] && [ "$su_b" -le 243 ]; then su_need=3
    elif [ "$su_b" -eq 244 ]; then su_need=3; su_hi=143
    else return 1
    fi
  done
  [ "$su_need" -eq 0 ]
}
