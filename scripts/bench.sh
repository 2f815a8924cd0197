#!/usr/bin/env bash
# make bench: end-to-end comparison on one deterministic ~2 GB nginx log
# (combined + $request_time + $upstream_response_time), every tool timed on
# the same file in the same run, from the page cache. Prints MB/s, lines/s,
# peak RSS and the ratios the foundation issue sets as targets.
#   BENCH_SIZE_MB=2000 (default) · BENCH_DIR=bench-data (default) · BENCH_ROUNDS=3 (default)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${BENCH_SIZE_MB:-2000}
dir=${BENCH_DIR:-bench-data}
mkdir -p "$dir"
log="$dir/access-${size_mb}MB.log"

if ! command -v goaccess >/dev/null 2>&1; then
  echo "installing goaccess (Debian package) for the comparison" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq goaccess >/dev/null
fi

if [ ! -s "$log" ]; then
  echo "generating $log (deterministic: viral scenario, seed 7, 24 h, repeated to ${size_mb} MB)" >&2
  rm -rf "$dir/src"
  ./bin/loggen --scenario viral --seed 7 --duration 24h --out "$dir/src" >/dev/null
  src="$dir/src/access.log"
  target=$((size_mb * 1000 * 1000))
  : > "$log.tmp"
  while [ "$(stat -c %s "$log.tmp")" -lt "$target" ]; do cat "$src" >> "$log.tmp"; done
  # cut at the last whole line under the target size
  head -c "$target" "$log.tmp" | head -n -1 > "$log"
  rm -f "$log.tmp"; rm -rf "$dir/src"
fi

bytes=$(stat -c %s "$log")
cat "$log" > /dev/null  # warm the page cache
lines=$(wc -l < "$log")
awk -v f="$log" -v b="$bytes" -v l="$lines" -v c="$(nproc)" 'BEGIN { printf "file: %s, %.0f MB, %d lines, %d cores\n\n", f, b/1e6, l, c }'

# The machine is a shared VM whose speed drifts from run to run: awk and
# postmortem run BENCH_ROUNDS times, alternating, and the median is compared.
rounds=${BENCH_ROUNDS:-3}
declare -A secs rss runs
run1() { # name, command...
  local name=$1; shift
  local out s r
  /usr/bin/time -f '%e %M' -o "$dir/.time" "$@" >/dev/null 2>&1 || echo "($name exited non-zero)" >&2
  out=$(tail -n 1 "$dir/.time")
  s=${out% *}; r=${out#* }
  runs[$name]="${runs[$name]:-}$s "
  if [ -z "${rss[$name]:-}" ] || [ "$r" -gt "${rss[$name]}" ]; then rss[$name]=$r; fi
}
report() { # name: median time of its runs, highest RSS
  local name=$1
  secs[$name]=$(printf '%s\n' ${runs[$name]} | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  awk -v n="$name" -v s="${secs[$name]}" -v r="${rss[$name]}" -v b="$bytes" -v l="$lines" -v all="${runs[$name]}" \
    'BEGIN { if (s < 0.01) s = 0.01; sub(/ +$/, "", all); k = split(all, t, " "); printf "%-12s %8.2f s %9.0f MB/s %12.0f lines/s %8.0f MB peak RSS", n, s, b/s/1e6, l/s, r/1024
             if (k > 1) { printf "   (median of %d: %s s)", k, all }; printf "\n" }'
}

run1 cat sh -c "cat '$log' > /dev/null"
run1 wc-l wc -l "$log"
for _ in $(seq "$rounds"); do
  run1 awk env LC_ALL=C awk '{ split($4, t, ":"); c[t[1] ":" t[2] ":" t[3] " " $9]++ } END { for (k in c) print k, c[k] }' "$log"
  run1 postmortem ./bin/postmortem -q -o "$dir/postmortem.html" "$log"
done
run1 goaccess goaccess "$log" --log-format=COMBINED --no-progress --no-global-config -o "$dir/goaccess.html"
for n in cat wc-l awk goaccess postmortem; do report "$n"; done

echo
awk -v pm="${secs[postmortem]}" -v awk_s="${secs[awk]}" -v ga="${secs[goaccess]}" -v wc="${secs[wc-l]}" \
    -v pmr="${rss[postmortem]}" -v gar="${rss[goaccess]}" 'BEGIN {
  printf "postmortem vs awk:      %5.2fx faster   (target >= 1x)\n", awk_s/pm
  printf "postmortem vs goaccess: %5.1fx faster   (target >= 30x)\n", ga/pm
  printf "postmortem / wc -l:     %5.1f%% speed    (target >= 6%%)\n", 100*wc/pm
  printf "peak RSS vs goaccess:   %5.2f           (target <= 0.5)\n", pmr/gar
}'
