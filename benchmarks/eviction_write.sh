#!/usr/bin/env bash
# The write path while evicting: redis-benchmark SETs of new keys (100 B values, 5M key space)
# against Shoal (1 shard) and redis-server 7.0 side by side, with the same budget above startup
# memory (default 32 MB) and policy, or without a limit (policy "none"). Prints, per server and
# round, requests per second, server CPU ticks for the run (lower is better), used_memory, keys
# cached and evictions.
# Usage: benchmarks/eviction_write.sh [policy|none] [rounds] [shoal binary]
set -euo pipefail
policy=${1:-allkeys-lru}
rounds=${2:-2}
shoal=${3:-build/shoal-server}
budget=$((32 * 1024 * 1024))

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run() {
  local name=$1 port=$2
  shift 2
  "$@" >/dev/null 2>&1 &
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  local c="redis-cli -p $port"
  if [ "$policy" != none ]; then
    $c config set maxmemory-policy "$policy" >/dev/null
    local used
    used=$($c info memory | tr -d '\r' | awk -F: '$1=="used_memory"{print $2}')
    $c config set maxmemory $((used + budget)) >/dev/null
  fi
  local pid t0 t1 rps
  pid=$($c info server | tr -d '\r' | awk -F: '$1=="process_id"{print $2}')
  t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  rps=$(redis-benchmark -p "$port" -t set -n 1000000 -r 5000000 -d 100 -P 16 -c 20 -q 2>/dev/null |
        tr '\r' '\n' | grep "requests per second" | tail -1 | awk '{print $2}')
  t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  echo "$name rps=$rps cpu_ticks=$((t1 - t0)) used_memory=$($c info memory | tr -d '\r' |
    awk -F: '$1=="used_memory"{print $2}') keys=$($c dbsize) evicted=$($c info stats |
    tr -d '\r' | awk -F: '$1=="evicted_keys"{print $2}')"
  $c shutdown nosave >/dev/null 2>&1 || true
  wait 2>/dev/null || true
}

for _ in $(seq "$rounds"); do
  p=$(free_port)
  run shoal "$p" "$shoal" --port "$p" --shards 1 --save ""
  p=$(free_port)
  run redis "$p" /usr/bin/redis-server --port "$p" --save '' --appendonly no
done
