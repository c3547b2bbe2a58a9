#!/usr/bin/env bash
# Runs the Flywheel suite on one machine: a private MariaDB and every service, from this checkout.
#   deploy/local/flywheel.sh demo     install, build, start, load the sample portfolio, print it
#   deploy/local/flywheel.sh up       install, build, start (idempotent)
#   deploy/local/flywheel.sh status   health of every service
#   deploy/local/flywheel.sh down     stop the services and the database
#   deploy/local/flywheel.sh credentials   only make the keys, certificates and tokens
# Auth and mutual TLS are on: keys, certificates and tokens are made on first start in
# .run/credentials (flywheelctl here is already pointed at them); every secret is mode 0600 in a
# 0700 folder. State (database files, logs, pids) lives in .run/ at the top of the checkout
# (FLYWHEEL_RUN_DIR and FLYWHEEL_BUILD_DIR point elsewhere).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
run=${FLYWHEEL_RUN_DIR:-"$root/.run"}
build=${FLYWHEEL_BUILD_DIR:-"$root/build"}
db_port=${FLYWHEEL_DB_PORT:-33306}
accounts_port=${FLYWHEEL_ACCOUNTS_PORT:-50051}
health_port=${FLYWHEEL_HEALTH_PORT:-50052}
stakeholders_port=${FLYWHEEL_STAKEHOLDERS_PORT:-50053}
handoff_port=${FLYWHEEL_HANDOFF_PORT:-50054}
export FLYWHEEL_DB_PASSWORD=${FLYWHEEL_DB_PASSWORD:-flywheel}
export FLYWHEEL_ACCOUNTS_ADDR="127.0.0.1:$accounts_port"
export FLYWHEEL_HEALTH_ADDR="127.0.0.1:$health_port"
export FLYWHEEL_STAKEHOLDERS_ADDR="127.0.0.1:$stakeholders_port"
export FLYWHEEL_HANDOFF_ADDR="127.0.0.1:$handoff_port"
services=(accounts health stakeholders handoff)
ctl="$build/services/ctl/flywheelctl"
credentials="$run/credentials"
# flywheelctl calls over mutual TLS with the operator's token.
export FLYWHEEL_TLS_CA_FILE="$credentials/ca.pem"
export FLYWHEEL_TLS_CERT_FILE="$credentials/client.pem"
export FLYWHEEL_TLS_KEY_FILE="$credentials/client.key"
export FLYWHEEL_TOKEN_FILE="$credentials/operator.token"

port_of() {
  case "$1" in
    accounts) echo "$accounts_port" ;;
    health) echo "$health_port" ;;
    stakeholders) echo "$stakeholders_port" ;;
    handoff) echo "$handoff_port" ;;
  esac
}

alive() { [ -f "$run/$1.pid" ] && kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; }

build_suite() {
  "$root/deploy/local/install-deps.sh"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" --target flywheel-accounts flywheel-health flywheel-stakeholders flywheel-handoff \
    flywheelctl
}

# The CA, certificates and token keys (kept across runs), and fresh tokens: one per service for
# its calls to the others (handoff moves lifecycle stages, so it writes) and the operator's.
make_credentials() {
  mkdir -p "$run" && chmod 700 "$run"
  "$root/deploy/local/make-credentials.sh" "$credentials" >/dev/null
  mint() {
    (umask 077 && "$ctl" token mint --principal "$1" --roles "$2" --ttl 720h \
      --hs256_secret_file "$credentials/jwt-hs256.secret" >"$credentials/$3.token")
    chmod 600 "$credentials/$3.token"  # a file kept from an older run keeps its mode otherwise
  }
  mint service:accounts viewer accounts
  mint service:health viewer health
  mint service:stakeholders viewer stakeholders
  mint service:handoff editor handoff
  mint operator admin operator
  [ -s "$run/page_token_secret" ] || (umask 077 && head -c 32 /dev/urandom | base64 >"$run/page_token_secret")
  chmod 600 "$run/page_token_secret"
}

start_service() {
  local name=$1 port
  port=$(port_of "$name")
  if alive "$name"; then echo "$name already running (pid $(cat "$run/$name.pid"))"; return; fi
  if ss -ltn "sport = :$port" 2>/dev/null | grep -q LISTEN; then
    echo "port $port is taken; set FLYWHEEL_$(echo "$name" | tr a-z A-Z)_PORT to another" >&2
    exit 1
  fi
  mkdir -p "$run/logs"
  FLYWHEEL_PAGE_TOKEN_SECRET=$(cat "$run/page_token_secret") \
  setsid "$build/services/$name/flywheel-$name" serve \
    --listen="127.0.0.1:$port" --db_dsn="unix://$(cat "$run/mariadb/socket")/flywheel_$name" --db_user=flywheel \
    --accounts_addr="$FLYWHEEL_ACCOUNTS_ADDR" --health_addr="$FLYWHEEL_HEALTH_ADDR" \
    --stakeholders_addr="$FLYWHEEL_STAKEHOLDERS_ADDR" \
    --tls_cert_file="$credentials/server.pem" --tls_key_file="$credentials/server.key" \
    --tls_client_ca_file="$credentials/ca.pem" --tls_ca_file="$credentials/ca.pem" \
    --jwt_hs256_secret_file="$credentials/jwt-hs256.secret" --jwt_rs256_public_key_file="$credentials/jwt-rs256.pub" \
    --service_token_file="$credentials/$name.token" \
    </dev/null >>"$run/logs/$name.log" 2>&1 &
  echo $! >"$run/$name.pid"
}

wait_healthy() {
  for _ in $(seq 1 120); do
    if "$ctl" status >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  "$ctl" status || true
  echo "services did not become healthy; see $run/logs/" >&2
  exit 1
}

# The scheduled jobs (the day's rescore, the exception report), as the CronJobs run them.
start_scheduler() {
  if alive scheduler; then return; fi
  setsid "$root/deploy/local/scheduler.sh" "$ctl" "$run/scheduled" </dev/null >>"$run/logs/scheduler.log" 2>&1 &
  echo $! >"$run/scheduler.pid"
}

up() {
  build_suite
  "$root/deploy/local/mariadb.sh" start "$run/mariadb" "$db_port"
  make_credentials
  for s in "${services[@]}"; do start_service "$s"; done
  wait_healthy
  start_scheduler
}

down() {
  for s in scheduler "${services[@]}"; do
    if alive "$s"; then
      pid=$(cat "$run/$s.pid")
      kill "$pid"
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$run/$s.pid"
  done
  "$root/deploy/local/mariadb.sh" stop "$run/mariadb"
  echo "Flywheel stopped."
}

# Copies the CSV `$1` with every YYYY-MM-DD in it moved `$2` days later.
shift_days() {
  gawk -v off="$2" '{
    out = ""
    while (match($0, /[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]/)) {
      d = substr($0, RSTART, RLENGTH)
      t = mktime(substr(d, 1, 4) " " substr(d, 6, 2) " " substr(d, 9, 2) " 12 00 00", 1) + off * 86400
      out = out substr($0, 1, RSTART - 1) strftime("%Y-%m-%d", t, 1)
      $0 = substr($0, RSTART + RLENGTH)
    }
    print out $0
  }' "$1"
}

# The live flow: a detractor's response and a usage drop at account `$1` arrive while an
# operator follows health's and the exceptions' streams; the score, the band change and the
# exception follow within seconds, without any job.
live() {
  local account=$1 today=$2 dir="$run/live"
  mkdir -p "$dir"
  echo
  echo "== Live: a detractor's response and a usage drop at Northbridge, followed as they happen =="
  "$ctl" health watch --all --for 30 >"$dir/health.log" 2>"$dir/health.err" &
  local health_watch=$!
  "$ctl" exceptions watch --account "$account" --for 30 >"$dir/exceptions.log" 2>"$dir/exceptions.err" &
  local exceptions_watch=$!
  sleep 1  # both watches have opened (they stream what is stored after they start)
  printf 'kind,day,metric,value,id,respondent,reason\nnps,%s,,2,live-nps-1,ops.lead@northbridge.example,Queue times doubled since the IVR change\nusage,%s,active_users_28d,120,,,\n' \
    "$today" "$today" >"$dir/signals.csv"
  local sent
  sent=$(date +%s%N)
  "$ctl" health load "$dir/signals.csv" --account="$account"
  for _ in $(seq 1 200); do
    grep -q DETRACTOR "$dir/exceptions.log" && break
    sleep 0.1
  done
  local elapsed=$(( ($(date +%s%N) - sent) / 1000000 ))
  kill "$health_watch" "$exceptions_watch" 2>/dev/null
  wait "$health_watch" "$exceptions_watch" 2>/dev/null || true
  echo "Health changes of the account (flywheelctl health watch --all):"
  grep "$account" "$dir/health.log" || echo "  (none)"
  echo "Exception events of the account (flywheelctl exceptions watch --account $account):"
  cat "$dir/exceptions.log"
  if grep -q DETRACTOR "$dir/exceptions.log"; then
    echo "The response was scored, streamed and turned into its DETRACTOR exception in ${elapsed} ms."
  else
    echo "No DETRACTOR event within 20 s; see $run/logs/" >&2
    exit 1
  fi
}

demo() {
  up
  # The sample portfolio is written as of its half-year review, 2026-05-26. Scores are live, and
  # always as of today, so the sample is loaded moved to today: every date in it shifted by the
  # same number of days.
  as_of=$(date -u +%F)
  offset=$(( ($(date -u -d "$as_of" +%s) - $(date -u -d 2026-05-26 +%s)) / 86400 ))
  sample="$run/sample"
  mkdir -p "$sample"
  for f in accounts northbridge_signals; do shift_days "$root/deploy/local/sample/$f.csv" "$offset" >"$sample/$f.csv"; done
  echo
  echo "== Loading the sample portfolio through the accounts API (BulkUpsertAccounts) =="
  "$ctl" accounts load "$sample/accounts.csv" --source=salesforce
  echo
  echo "== Portfolio =="
  "$ctl" accounts list
  # Read once, quietly: the list's count line ("4 accounts") is for people, not for this script.
  strategic=$("$ctl" accounts list --label=tier=strategic 2>/dev/null)
  group=$(awk '/Northbridge Utilities Group/ {print $1}' <<<"$strategic")
  if [ -n "$group" ]; then
    echo
    echo "== Northbridge Utilities: hierarchy with ARR and seats rolled up =="
    "$ctl" accounts tree "$group"
  fi
  utility=$(awk '/Northbridge Utilities Contact Centre/ {print $1}' <<<"$strategic")
  if [ -z "$utility" ]; then
    echo "the sample portfolio has no Northbridge Utilities Contact Centre" >&2
    exit 1
  fi
  echo
  echo "== Northbridge Utilities Contact Centre: signals, stakeholders and success path =="
  "$ctl" health load "$sample/northbridge_signals.csv" --account="$utility"
  sed "s/ACCOUNT_ID/$utility/" "$root/deploy/local/sample/northbridge_stakeholders.csv" >"$run/northbridge_stakeholders.csv"
  "$ctl" stakeholders load "$run/northbridge_stakeholders.csv"
  "$ctl" stakeholders list "$utility"
  path=$("$ctl" paths create "$root/deploy/local/sample/success_path.csv" --product cc-automation \
    --name "Contact-centre automation" --request_id demo-path-cc-automation)
  "$ctl" paths assign "$utility" "$path" --start "$(date -u -d "2026-02-01 $offset day" +%F)"

  echo
  echo "== A synthetic portfolio of ${FLYWHEEL_SYNTHETIC_ACCOUNTS:-2000} accounts: 90 days of usage, surveys, value, people, paths =="
  "$root/deploy/local/synthetic.sh" "$run/synthetic" "${FLYWHEEL_SYNTHETIC_ACCOUNTS:-2000}" "$as_of"
  "$ctl" accounts load "$run/synthetic/accounts.csv" --source=synthetic >/dev/null
  "$ctl" health load "$run/synthetic/signals.csv" --external_source=synthetic
  "$ctl" stakeholders load "$run/synthetic/stakeholders.csv" --external_source=synthetic
  "$ctl" paths assign-all "$run/synthetic/paths.csv" "$path" --external_source=synthetic

  echo
  echo "== Rescoring the portfolio a month before (for the trend), then today ($as_of), as the daily job does =="
  "$ctl" health rescore --as_of="$(date -u -d "$as_of -30 day" +%F)"
  "$ctl" health rescore --as_of="$as_of"
  echo
  echo "== Portfolio summary =="
  "$ctl" health summary
  echo
  echo "== Northbridge Utilities Contact Centre: health with its explanation =="
  "$ctl" health get "$utility" --as_of="$as_of"
  echo
  echo "== The Owner's briefing today =="
  "$ctl" stakeholders briefing "$utility" --role owner --as-of "$as_of"
  echo
  echo "== Northbridge progress on its success path =="
  "$ctl" paths progress "$utility" --as-of "$as_of"

  echo
  echo "== Exception report as of $as_of (what the scheduled job runs) =="
  report="$run/exceptions-$as_of.csv"
  "$ctl" report exceptions --as-of "$as_of" --shard 0/1 --format csv >"$report"
  echo
  echo "Exceptions found, by rule and severity (every row is in $report):"
  gawk -v FPAT='([^,]*)|("[^"]*")' 'NR > 1 { count[$2 "," $4]++ } END { printf "%-28s %-8s %6s\n", "RULE", "SEVERITY", "COUNT";
    n = asorti(count, keys); for (i = 1; i <= n; i++) { split(keys[i], k, ","); printf "%-28s %-8s %6d\n", k[1], k[2], count[keys[i]] } }' "$report"
  echo
  echo "Northbridge Utilities Contact Centre's exceptions and their remedies:"
  "$ctl" exceptions list --account "$utility" --active --columns rule,subject,severity,due,remedy,targets,detail
  live "$utility" "$as_of"
  echo
  "$ctl" status
  echo
  echo "The suite is running (accounts on 127.0.0.1:$accounts_port, health on 127.0.0.1:$health_port,"
  echo "stakeholders on 127.0.0.1:$stakeholders_port, handoff on 127.0.0.1:$handoff_port,"
  echo "MariaDB on 127.0.0.1:$db_port)."
  echo "Stop it with: deploy/local/flywheel.sh down"
}

case "${1:-}" in
  demo) demo ;;
  up) up ;;
  down) down ;;
  status) "$ctl" status ;;
  credentials) make_credentials ;;
  *) sed -n '2,7p' "$0"; exit 2 ;;
esac
