#!/usr/bin/env bash
# Records a large, realistic capture for the benchmarks: nginx in one network namespace, wrk (HTTP/1.1 keep-alive
# plus new connections) in another, linked by a veth pair; tcpdump writes the server side of the veth.
#
#   lab/bench-capture.sh OUT.pcap [PACKETS] [LOAD]   (default 600000 packets; needs root, nginx, wrk, tcpdump)
#
# LOAD is what wrk asks for:
#   mixed (default)  many small keep-alive requests (600 B and 4 000 B bodies): an HTTP exchange every ~2 packets,
#                    the veth's segmentation offloads left on (frames up to 64 KB, as the kernel hands them over)
#   bulk             downloads of 1 MiB and 8 MiB files on 16 and 4 keep-alive connections: ~1 exchange per 400 packets;
#                    segmentation and receive offloads off (needs ethtool), so frames are at most 1 514 bytes, as
#                    on a real NIC's wire
#
# Addresses are from 198.18.0.0/15; the namespaces are not connected to any real interface and are removed on
# exit. The run is bounded: tcpdump stops after PACKETS packets, the load after 60 s at most.
set -euo pipefail
out="${1:?usage: bench-capture.sh OUT.pcap [PACKETS]}"
packets="${2:-600000}"
load="${3:-mixed}"
case "$load" in mixed|bulk) ;; *) echo "bench-capture: LOAD is mixed or bulk, not '$load'" >&2; exit 2;; esac
tools="ip nginx wrk tcpdump"; [ "$load" = bulk ] && tools="$tools ethtool"
for tool in $tools; do
  command -v "$tool" >/dev/null || { echo "bench-capture: '$tool' is not installed" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "bench-capture: needs root (network namespaces)" >&2; exit 2; }

id="nsb$$"
srv="$id-srv"; cli="$id-cli"
work="$(mktemp -d)"
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  ip netns del "$srv" 2>/dev/null || true
  ip netns del "$cli" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$srv"; ip netns add "$cli"
ip link add "${id}a" type veth peer name "${id}b"
ip link set "${id}a" netns "$srv"; ip link set "${id}b" netns "$cli"
ip -n "$srv" link set "${id}a" name eth0; ip -n "$cli" link set "${id}b" name eth0
ip -n "$srv" addr add 198.18.200.1/24 dev eth0; ip -n "$cli" addr add 198.18.200.2/24 dev eth0
for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; ip -n "$ns" link set eth0 up; done
if [ "$load" = bulk ]; then
  for ns in "$srv" "$cli"; do ip netns exec "$ns" ethtool -K eth0 tso off gso off gro off >/dev/null; done
fi

mkdir -p "$work/html"
head -c 600 /dev/zero | tr '\0' 'a' > "$work/html/small.html"
head -c 4000 /dev/zero | tr '\0' 'b' > "$work/html/page.html"
if [ "$load" = bulk ]; then
  head -c 1048576 /dev/urandom > "$work/html/1m.bin"
  head -c 8388608 /dev/urandom > "$work/html/8m.bin"
fi
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 200;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server { listen 198.18.200.1:80; root $work/html; }
}
CONF
ip netns exec "$srv" nginx -c "$work/nginx.conf"

# bulk: a 1 GiB kernel buffer and buffered writes, or tcpdump drops much of the 5 Gbit/s the veth carries
# (gaps in most bodies)
writes=(-U); [ "$load" = bulk ] && writes=(-B 1048576)
ip netns exec "$srv" tcpdump -i eth0 -s 262144 "${writes[@]}" -c "$packets" -w "$out" 2>"$work/tcpdump.log" &
tcpdump_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump.log" 2>/dev/null && break; sleep 0.1; done

# The load: wrk runs bounded by time, one after another, until tcpdump has its packets (or 60 s have passed);
# keepalive_requests forces reconnects.
end=$((SECONDS + 60))
while kill -0 "$tcpdump_pid" 2>/dev/null && [ $SECONDS -lt $end ]; do
  if [ "$load" = bulk ]; then
    ip netns exec "$cli" timeout 10 wrk -t1 -c16 -d2s http://198.18.200.1/1m.bin >/dev/null 2>&1 || true
    ip netns exec "$cli" timeout 10 wrk -t1 -c4 -d1s http://198.18.200.1/8m.bin >/dev/null 2>&1 || true
  else
    ip netns exec "$cli" timeout 10 wrk -t1 -c8 -d2s http://198.18.200.1/small.html >/dev/null 2>&1 || true
    ip netns exec "$cli" timeout 10 wrk -t1 -c4 -d1s http://198.18.200.1/page.html >/dev/null 2>&1 || true
  fi
done
if kill -0 "$tcpdump_pid" 2>/dev/null; then
  kill -INT "$tcpdump_pid"; wait "$tcpdump_pid" || true
  echo "bench-capture: time limit reached before $packets packets" >&2
  exit 1
fi
wait "$tcpdump_pid" || true
echo "bench-capture: wrote $out ($packets packets)"
