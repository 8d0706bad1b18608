#!/usr/bin/env bash
# Whole-process comparison of `netsieve analyze` with tshark on one capture (issue 7): wall time and peak RSS of
#   netsieve analyze --out DIR CAPTURE                  (./netsieve: the CLI jar with its JVM options)
#   tshark -r CAPTURE -q -z conv,tcp                    (TCP conversation statistics)
#   tshark -r CAPTURE -Y http -T fields -e ...          (HTTP field extraction)
# each RUNS times (default 3; the median is printed), the ratios against the targets (>= 10x faster than the
# conversation statistics, >= 30x faster than the HTTP extraction, a third of tshark's memory or less), and a sanity
# check that they saw the same thing (TCP conversations vs netsieve's TCP connections, HTTP requests vs its HTTP
# records). Usage: benchmarks/compare-tshark.sh CAPTURE [RUNS]
#
# Runs netsieve through ./netsieve, as a user does (its JVM options, its class data sharing archive; set
# NETSIEVE_JAVA_OPTS to try others): one untimed call first lets it build the jar if the sources changed and make
# the archive. Needs the jar built once (mvn -B -q -DskipTests -pl examples -am package).
# Drops nothing from the page cache (that needs root and would disturb other work): it reads the capture once first,
# so every run reads it from memory. Needs GNU time (/usr/bin/time) and tshark. Run it on an idle machine: it prints
# the load average, and each tool's time depends on the CPU it gets.
set -euo pipefail

capture=${1:?usage: $0 CAPTURE [RUNS]}
runs=${2:-3}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/examples/target/netsieve-cli.jar"
netsieve="$root/netsieve"

[ -f "$capture" ] || { echo "no such capture: $capture" >&2; exit 2; }
[ -f "$jar" ] || { echo "missing $jar: build it with (cd $root && mvn -B -q -DskipTests -pl examples -am package)" >&2; exit 2; }
command -v tshark >/dev/null || { echo "tshark is not installed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is not installed" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat "$capture" > /dev/null # into the page cache: every run below reads it from memory

# runs "$@" RUNS times; prints the median wall time (s) and the median peak RSS (KB); keeps the last run's stdout
measure() {
  local name=$1; shift
  local i
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f "%e %M" -o "$work/$name.time.$i" "$@" > "$work/$name.out" 2> "$work/$name.err" || {
      echo "$name failed:" >&2; cat "$work/$name.err" >&2; exit 1; }
  done
  echo "$(median "$name" 1) $(median "$name" 2)"
}

# median NAME FIELD: the median of field FIELD (1 wall, 2 RSS) of NAME's runs
median() {
  local i
  for ((i = 0; i < runs; i++)); do tail -1 "$work/$1.time.$i" | cut -d' ' -f"$2"; done | sort -g \
    | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

echo "capture: $capture ($(du -h "$capture" | cut -f1)), $runs runs each, median"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1); $(tshark --version 2>/dev/null | head -1)"
"$netsieve" --version >/dev/null # untimed: builds the jar if needed, makes the class data sharing archive
if [ -n "${NETSIEVE_JAVA_OPTS+set}" ]; then
  echo "netsieve JVM options: $NETSIEVE_JAVA_OPTS (NETSIEVE_JAVA_OPTS)"
else
  echo "netsieve JVM options: $(sed -n 's/^default_opts="\(.*\)"$/\1/p' "$netsieve") and class data sharing (./netsieve's)"
fi

read -r ns_wall ns_rss < <(measure netsieve "$netsieve" analyze --out "$work/out" "$capture")
read -r conv_wall conv_rss < <(measure conv tshark -r "$capture" -q -z conv,tcp)
read -r http_wall http_rss < <(measure http tshark -r "$capture" -Y http -T fields -e frame.number \
  -e http.request.method -e http.request.uri -e http.response.code)

printf '\n%-44s %9s %12s\n' "" "wall (s)" "peak RSS (MB)"
printf '%-44s %9s %12d\n' "netsieve analyze" "$ns_wall" $((ns_rss / 1024))
printf '%-44s %9s %12d\n' "tshark -q -z conv,tcp" "$conv_wall" $((conv_rss / 1024))
printf '%-44s %9s %12d\n' "tshark -Y http -T fields (method, uri, code)" "$http_wall" $((http_rss / 1024))

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v r="$1" -v t="$2" -v dir="$3" 'BEGIN {print ((dir > 0 ? r >= t : r <= t) ? "met" : "NOT met")}'; }
s_conv=$(ratio "$conv_wall" "$ns_wall")
s_http=$(ratio "$http_wall" "$ns_wall")
m_conv=$(ratio "$ns_rss" "$conv_rss")
m_http=$(ratio "$ns_rss" "$http_rss")
echo
echo "speed vs conv,tcp:    ${s_conv}x faster (target >= 10x: $(verdict "$s_conv" 10 1))"
echo "speed vs HTTP fields: ${s_http}x faster (target >= 30x: $(verdict "$s_http" 30 1))"
echo "memory vs conv,tcp:   ${m_conv} of tshark's RSS (target <= 0.33: $(verdict "$m_conv" 0.3334 -1))"
echo "memory vs HTTP fields: ${m_http} of tshark's RSS (target <= 0.33: $(verdict "$m_http" 0.3334 -1))"

# Sanity: the same capture seen the same way. tshark's conversation table has one line per TCP conversation
# ("A:port <-> B:port"); netsieve writes one or more L4 records (chunks) per connection, all with its inner_traceid.
# tshark's HTTP extraction prints one line per HTTP message; the requests are those with a method; netsieve writes
# one L7 record per exchange, with http_method when the request was seen.
conv_count=$(grep -c ' <-> ' "$work/conv.out" || true)
ns_conns=$(grep '"l4_proto":"tcp"' "$work/out/l4.jsonl" | grep -o '"inner_traceid":"[0-9a-f]*"' | sort -u | wc -l)
http_requests=$(awk -F'\t' '$2 != ""' "$work/http.out" | wc -l)
ns_requests=$(grep -c '"http_method":"' "$work/out/l7.jsonl" || true)
check() { [ "$1" = "$2" ] && echo "equal" || echo "DIFFERENT"; }
echo
echo "TCP conversations: tshark $conv_count, netsieve connections $ns_conns ($(check "$conv_count" "$ns_conns"))"
echo "HTTP requests:     tshark $http_requests, netsieve HTTP records with a request $ns_requests ($(check "$http_requests" "$ns_requests"))"
echo "netsieve: $(grep -E '^(packets|flows|exchanges|findings):' "$work/netsieve.out" | tr '\n' ' ')"
