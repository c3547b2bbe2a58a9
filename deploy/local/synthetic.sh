#!/usr/bin/env bash
# Writes a synthetic portfolio as the CSV files flywheelctl loads: N accounts (external ids
# syn00001…, source "synthetic") with 90 days of usage up to AS_OF, NPS and CSAT responses,
# value records, Owner/Champion/Enabler stakeholders for most of them and success-path starts
# for about half. Deterministic: the same N and AS_OF give the same files.
#   deploy/local/synthetic.sh OUT_DIR N AS_OF
set -euo pipefail
out=$1 n=$2 as_of=$3
mkdir -p "$out"
# Calendar days are computed here (awk has no portable date arithmetic): the 90 usage days,
# and 240 days back for contract and path starts.
days=$(for d in $(seq 239 -1 0); do date -u -d "$as_of -$d day" +%F; done | tr '\n' ' ')
gawk -v n="$n" -v days="$days" -v out="$out" '
function rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
BEGIN {
  split(days, day, " ")                      # day[240] is AS_OF, day[151] is AS_OF - 89
  seed = 20260526
  acc = out "/accounts.csv"; sig = out "/signals.csv"; stk = out "/stakeholders.csv"; pth = out "/paths.csv"
  print "external_id,name,parent_external_id,segment,industry,region,arr_currency,arr_minor_units,licensed_seats,lifecycle_stage,csm_owner,contract_start,renewal_date,value_target_minor_units,value_target_description,labels" > acc
  print "kind,day,metric,value,id,respondent,reason,account" > sig
  print "account_id,name,email,title,function,role,engagement,decision_authority,enabler_focus" > stk
  print "account,start_day" > pth
  split("SMB Mid-Market Enterprise", segment, " ")
  split("Utilities Telecoms Retail Insurance Banking Travel", industry, " ")
  split("UK-North UK-South Ireland Benelux Nordics", region, " ")
  for (i = 1; i <= n; i++) {
    ext = sprintf("syn%05d", i)
    seats = 20 + int(rnd() * 480)
    use = 0.15 + rnd() * 0.85                # share of seats active
    mood = rnd()                             # how they feel, independent of use
    fading = rnd() < 0.1                     # usage falls over the last 30 days
    target = int(5 + rnd() * 45) * 2000000   # 10k–100k in pence … £1m
    start = 1 + int(rnd() * 150)             # contract start: 150–240 days back
    printf "%s,Synthetic Customer %05d,,%s,%s,%s,GBP,%d,%d,ADOPTION,csm%d@vendor.example,%s,,%d,cost reduction,tier=synthetic\n", \
      ext, i, segment[1 + i % 3], industry[1 + i % 6], region[1 + i % 5], 200000 * (10 + int(rnd() * 240)), seats, \
      i % 8, day[start], target >> acc
    for (d = 151; d <= 240; d++) {
      level = use * seats * (fading && d > 210 ? (240 - d) / 30 : 1)
      printf "usage,%s,active_users_28d,%d,,,,%s\n", day[d], level, ext >> sig
      if (use > 0.35 && d % 3 == 0) printf "usage,%s,use_case.reporting,1,,,,%s\n", day[d], ext >> sig
    }
    for (r = 1; r <= 2; r++) {
      score = int(3 + mood * 7 + rnd() * 2); if (score > 10) score = 10
      printf "nps,%s,,%d,nps-%d,person%d@%s.example,,%s\n", day[200 + int(rnd() * 40)], score, r, r, ext, ext >> sig
    }
    printf "csat,%s,,%d,csat-1,agent@%s.example,,%s\n", day[190 + int(rnd() * 50)], 1 + int(mood * 4.99), ext, ext >> sig
    realised = int(target * use * (0.3 + rnd() * 0.6))
    printf "value,%s,GBP,%d,value-1,,savings,%s\n", day[205], int(realised / 2), ext >> sig
    printf "value,%s,GBP,%d,value-2,,savings,%s\n", day[235], realised - int(realised / 2), ext >> sig
    if (rnd() < 0.8) printf "%s,Owner %05d,owner@%s.example,Operations Director,Operations,owner,engaged,true,\n", ext, i, ext >> stk
    if (rnd() < 0.8) printf "%s,Champion %05d,champion@%s.example,Contact Centre Manager,Operations,champion,involved,false,\n", ext, i, ext >> stk
    if (rnd() < 0.5) printf "%s,Enabler %05d,ld@%s.example,L&D Manager,L&D,enabler,aware,false,learning\n", ext, i, ext >> stk
    if (rnd() < 0.5) printf "%s,%s\n", ext, day[140 + int(rnd() * 95)] >> pth
  }
}'
wc -l "$out"/*.csv | tail -1
