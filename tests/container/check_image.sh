#!/usr/bin/env bash
# Checks what the container image (deploy/container/Dockerfile) is made of, without a container
# engine: runtime-packages.sh names the packages of every library the built binaries load,
# direct and indirect, and fails on a library that is missing or that no package ships; the
# Dockerfile builds and ships every service in services/, and installs its build packages and
# runtime packages through the two scripts rather than lists of its own.
#   check_image.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=${1:?SOURCE_DIR}
build_dir=${2:?BUILD_DIR}
script="$source_dir/deploy/container/runtime-packages.sh"
dockerfile="$source_dir/deploy/container/Dockerfile"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The Dockerfile with its continued lines joined, one command a line.
commands=$(sed -e ':join' -e '/\\$/N; s/\\\n//; t join' "$dockerfile")
# Every service folder with a main.cc is an image binary (flywheel-<folder>; ctl's is flywheelctl).
binaries=()
for main in "$source_dir"/services/*/main.cc; do
  folder=$(basename "$(dirname "$main")")
  binary=flywheel-$folder
  [ "$folder" != ctl ] || binary=flywheelctl
  binaries+=("$build_dir/services/$folder/$binary")
  grep -q -- "--target[^&]* $binary\b" <<<"$commands" || fail "the Dockerfile does not build $binary"
  grep -q "cp [^&]*build/services/$folder/$binary .*/out/bin/" <<<"$commands" \
    || fail "the Dockerfile does not ship $binary"
done

# 1. The runtime packages of this checkout's binaries.
if packages=$("$script" "${binaries[@]}"); then
  # Each library the project links by name, and libmariadb3, which only Connector/C++ loads:
  # found, so the list follows indirect libraries too.
  for expected in libmysqlcppconn7v5 libmariadb3 libgrpc++1.51 libprotobuf32 libabsl20220623 libssl3 libjwt0 \
      libjemalloc2 libprometheus-cpp-pull1.0 libstdc++6; do
    grep -qx "$expected" <<<"$packages" || fail "runtime packages lack $expected: $(tr '\n' ' ' <<<"$packages")"
  done
  grep -q -- "-dev$" <<<"$packages" && fail "runtime packages name a -dev package: $(tr '\n' ' ' <<<"$packages")"
else
  fail "runtime-packages.sh failed on the built binaries"
fi

# 2. Its refusals: a library gone, a library no package ships, a file that is no binary.
work=$(mktemp -d "$build_dir/check-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo 'int flywheel_gone(void) { return 0; }' | cc -shared -fPIC -x c - -o "$work/libgone.so"
echo 'int flywheel_gone(void); int main(void) { return flywheel_gone(); }' \
  | cc -x c - -L"$work" -lgone -Wl,-rpath,"$work" -o "$work/needs-gone"
expect_refusal() {  # expect_refusal WHAT MESSAGE FILE
  local out
  if out=$("$script" "$3" 2>&1); then
    fail "runtime-packages.sh accepted $1"
  elif ! grep -q "$2" <<<"$out"; then
    fail "runtime-packages.sh on $1 said: $out"
  fi
}
expect_refusal "a library no package ships" "libgone.so belongs to no Debian package" "$work/needs-gone"
rm "$work/libgone.so"
expect_refusal "a missing library" "libgone.so not found" "$work/needs-gone"
expect_refusal "a shell script" "not a dynamically linked binary" "$script"

# 3. The Dockerfile takes its package lists from the scripts.
grep -q "install-deps.sh --build-only" "$dockerfile" || fail "the build stage does not run install-deps.sh --build-only"
grep -q "runtime-packages.sh /out/bin/\* >/out/runtime-packages" "$dockerfile" \
  || fail "the build stage does not derive the runtime packages"
grep -q "xargs -a /tmp/runtime-packages apt-get install" "$dockerfile" \
  || fail "the runtime stage does not install the derived packages"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "image checks passed (${#binaries[@]} binaries; runtime packages: $(tr '\n' ' ' <<<"$packages"))"
