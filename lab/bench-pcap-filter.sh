#!/usr/bin/env bash
# C baseline for FilterBenchmark: builds lab/bench-pcap-filter.c against the system libpcap and runs it on a
# capture (the benchmark capture is $TMPDIR/netsieve-bench-600000.pcap once a benchmark has made it).
#
#   lab/bench-pcap-filter.sh CAPTURE.pcap [REPETITIONS] [COMPILE_HOSTS]   (defaults 200 and 1000; 0 skips compile)
#
# Installs libpcap-dev and gcc with apt-get if they are missing (needs root then). The binary goes to
# ${TMPDIR:-/tmp}/bench-pcap-filter; nothing is written into the checkout.
set -euo pipefail
capture="${1:?usage: bench-pcap-filter.sh CAPTURE.pcap [REPETITIONS] [COMPILE_HOSTS]}"
reps="${2:-200}"
hosts="${3:-1000}"
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v gcc >/dev/null || [ ! -f /usr/include/pcap/pcap.h ]; then
  apt-get install -y libpcap-dev gcc
fi
bin="${TMPDIR:-/tmp}/bench-pcap-filter"
gcc -O2 -Wall -o "$bin" "$here/bench-pcap-filter.c" -lpcap
exec "$bin" "$capture" "$reps" "$hosts"
