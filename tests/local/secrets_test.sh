#!/usr/bin/env bash
# The local suite's credentials: every secret it writes (keys, token secrets, tokens, the page
# token secret) is mode 0600, in folders of mode 0700, also when made over files an older run left
# with wider modes. Usage: secrets_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1 build_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FLYWHEEL_RUN_DIR="$work/run" FLYWHEEL_BUILD_DIR="$build_dir"
failed=0
check() {
  local run=$FLYWHEEL_RUN_DIR creds=$FLYWHEEL_RUN_DIR/credentials secrets=0
  for dir in "$run" "$creds"; do
    mode=$(stat -c %a "$dir")
    [ "$mode" = 700 ] || { echo "FAIL: folder $dir has mode $mode, not 700"; failed=1; }
  done
  for f in "$creds"/*.key "$creds"/*.secret "$creds"/*.token "$run/page_token_secret"; do
    [ -e "$f" ] || { echo "FAIL: $f was not written"; failed=1; continue; }
    secrets=$((secrets + 1))
    mode=$(stat -c %a "$f")
    [ "$mode" = 600 ] || { echo "FAIL: secret $f has mode $mode, not 600"; failed=1; }
  done
  # CA and server/client keys, two token secrets, five tokens, the page token secret.
  [ "$secrets" -ge 11 ] || { echo "FAIL: only $secrets secrets found"; failed=1; }
}
umask 022
"$source_dir/deploy/local/flywheel.sh" credentials >/dev/null
check
# Files and folders left readable by an older run are tightened.
chmod 755 "$FLYWHEEL_RUN_DIR" "$FLYWHEEL_RUN_DIR/credentials"
chmod 644 "$FLYWHEEL_RUN_DIR"/credentials/*.key "$FLYWHEEL_RUN_DIR"/credentials/*.token "$FLYWHEEL_RUN_DIR/page_token_secret"
"$source_dir/deploy/local/flywheel.sh" credentials >/dev/null
check
if [ "$failed" -ne 0 ]; then echo "0 passed, 1 failed"; exit 1; fi
echo "secrets: every secret 0600 in 0700 folders"
