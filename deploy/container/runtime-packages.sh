#!/usr/bin/env bash
# Prints, sorted and one a line, the Debian packages that ship the shared libraries the given
# binaries load (every library ldd resolves, not only the direct ones). The image's runtime
# stage installs exactly these, so its package list follows what the binaries link instead of
# being kept by hand. Fails, naming each, when a library is missing or belongs to no package.
#   runtime-packages.sh BINARY...
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: runtime-packages.sh BINARY..." >&2; exit 2; }

failed=0
declare -A libraries=()  # path ldd resolved -> the binary that needs it
for binary in "$@"; do
  if [ ! -f "$binary" ]; then
    echo "$binary: no such file" >&2
    failed=1
    continue
  fi
  if ! listing=$(ldd "$binary" 2>&1) || ! grep -q "=>" <<<"$listing"; then
    echo "$binary: not a dynamically linked binary" >&2
    failed=1
    continue
  fi
  while read -r name arrow path _; do
    [ "$arrow" = "=>" ] || continue  # the vDSO and the loader have no "=>"
    if [ "$path" = "not" ]; then
      echo "$binary: $name not found" >&2
      failed=1
    else
      libraries[$path]=$binary
    fi
  done <<<"$listing"
done

# Merged /usr: dpkg knows each file by the name its package shipped, /lib/… or /usr/lib/…, and
# by the symlink's name or the file's; every spelling of each library is asked in one query.
declare -A spellings_of=()  # path -> its spellings, one a line
for path in "${!libraries[@]}"; do
  real=$(readlink -f "$path")
  spellings_of[$path]=$(printf '%s\n' "$path" "${path#/usr}" "/usr$path" "$real" "${real#/usr}" "/usr$real" | sort -u)
done
declare -A owner_of=()
if [ ${#libraries[@]} -gt 0 ]; then
  mapfile -t queries < <(printf '%s\n' "${spellings_of[@]}" | sort -u)
  while IFS= read -r line; do
    owner_of[${line#*: }]=${line%%: *}
  done < <(dpkg-query -S "${queries[@]}" 2>/dev/null || true)
fi
declare -A packages=()
for path in "${!libraries[@]}"; do
  package=""
  while read -r spelling; do
    package=${owner_of[$spelling]:-}
    [ -z "$package" ] || break
  done <<<"${spellings_of[$path]}"
  if [ -z "$package" ]; then
    echo "${libraries[$path]}: $path belongs to no Debian package" >&2
    failed=1
  else
    packages[${package%%:*}]=1  # libfoo1:amd64 -> libfoo1
  fi
done
[ "$failed" -eq 0 ] || exit 1
printf '%s\n' "${!packages[@]}" | sort
