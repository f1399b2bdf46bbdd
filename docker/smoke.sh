#!/bin/bash
# Container smoke test for docker/Dockerfile, following shared/CONTAINERS.md:
# buildah builds the image into a scratch image store, podman (runc, host network) runs it.
#
#   sudo docker/smoke.sh            # from anywhere; needs root, buildah, podman, runc
#                                   # (and debootstrap if no debian:bookworm-slim is stored)
#
# It builds the image, starts it on a free port bound to 127.0.0.1, checks PING/SET/GET,
# that the server runs as a non-root user in /data, that the HEALTHCHECK passes, that
# `podman stop` (SIGTERM) ends it with exit status 0 before the kill timeout, and then
# removes the container, the image and the whole image store.
#
# Environment:
#   SHOAL_SMOKE_DIR    image store folder (default: a new /tmp/shoal-image.XXXXXX)
#   SHOAL_SMOKE_KEEP=1 keep the image store (and the debootstrap'ed base) for a faster rerun;
#                      clean later with the same SHOAL_SMOKE_DIR and SHOAL_SMOKE_KEEP unset
#   BUILD_JOBS         compile jobs inside the build (default 1)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=localhost/shoal:smoke
CTR=shoal-smoke-$$
STOP_TIMEOUT=15

say() { printf '[smoke] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

[[ $EUID -eq 0 ]] || fail "run as root (rootful podman with a scratch store, see shared/CONTAINERS.md)"
for t in buildah podman runc; do
  command -v "$t" >/dev/null || fail "$t not found (apt-get install -y buildah podman runc debootstrap)"
done

# ----------------------------------------------------------------- image store
if [[ -n ${SHOAL_SMOKE_DIR:-} ]]; then W=$SHOAL_SMOKE_DIR; mkdir -p "$W"; else W=$(mktemp -d /tmp/shoal-image.XXXXXX); fi
printf '[storage]\ndriver="overlay"\nrunroot="%s/run"\ngraphroot="%s/storage"\n' "$W" "$W" > "$W/storage.conf"
printf '[containers]\ndefault_ulimits=["nofile=20000:20000","nproc=4096:4096"]\nnetns="host"\n[engine]\nruntime="runc"\n' > "$W/containers.conf"
export CONTAINERS_STORAGE_CONF=$W/storage.conf CONTAINERS_CONF=$W/containers.conf

cleanup() {
  local rc=$?
  set +e
  if [[ $rc -ne 0 ]] && podman container exists "$CTR" 2>/dev/null; then
    say "container log:"; podman logs "$CTR" 2>&1 | tail -n 30 >&2
  fi
  podman rm -f -t 0 "$CTR" >/dev/null 2>&1
  if [[ ${SHOAL_SMOKE_KEEP:-0} == 1 ]]; then
    say "keeping the image store in $W (SHOAL_SMOKE_KEEP=1)"
  else
    say "removing the image store $W"
    podman rmi -f "$IMAGE" >/dev/null 2>&1
    podman system reset -f >/dev/null 2>&1
    rm -rf "$W"
  fi
  if [[ $rc -eq 0 ]]; then say "PASS"; else say "FAILED (status $rc)"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ base image
if podman image exists docker.io/library/debian:bookworm-slim; then
  say "using the stored docker.io/library/debian:bookworm-slim"
else
  command -v debootstrap >/dev/null || fail "debootstrap not found (needed for a local bookworm base)"
  say "debootstrap'ing a bookworm base (about 30 s)"
  debootstrap --variant=minbase bookworm "$W/rootfs" >"$W/debootstrap.log" 2>&1 \
    || { tail -n 20 "$W/debootstrap.log" >&2; fail "debootstrap"; }
  rm -rf "$W"/rootfs/var/cache/apt/archives/*.deb "$W"/rootfs/var/lib/apt/lists/*
  tar -C "$W/rootfs" -c . | podman import - localhost/bookworm-base:latest >/dev/null
  rm -rf "$W/rootfs"
  buildah tag localhost/bookworm-base:latest docker.io/library/debian:bookworm-slim
fi

# ----------------------------------------------------------------------- build
# --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
say "building $IMAGE (several minutes on 2 cores)"
t0=$SECONDS
buildah bud --isolation chroot --pull=never --layers --format docker \
  --build-arg "BUILD_JOBS=${BUILD_JOBS:-1}" -t "$IMAGE" -f "$REPO/docker/Dockerfile" "$REPO"
say "built in $((SECONDS - t0)) s; size: $(podman image inspect -f '{{.Size}}' "$IMAGE") bytes"

# ------------------------------------------------------------------------- run
free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  else
    local p
    while :; do
      p=$((20000 + RANDOM % 30000))
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
  fi
}
PORT=$(free_port)
say "starting $CTR on 127.0.0.1:$PORT"
# Without systemd podman cannot schedule the periodic health check and logs
# "unable to get systemd connection to add healthchecks": harmless, it is run by hand below.
podman run -d --name "$CTR" --network host "$IMAGE" --bind 127.0.0.1 --port "$PORT" >/dev/null

# One RESP request over a fresh bash /dev/tcp connection; prints the reply's lines (CR stripped).
resp() {
  local req="*$#\r\n" a line n
  for a in "$@"; do req+="\$${#a}\r\n$a\r\n"; done
  exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
  printf '%b' "$req" >&3
  IFS= read -r -t 5 line <&3 || { exec 3>&-; return 1; }
  line=${line%$'\r'}
  printf '%s\n' "$line"
  if [[ $line == \$* ]]; then
    n=${line#\$}
    if ((n >= 0)); then IFS= read -r -t 5 line <&3; printf '%s\n' "${line%$'\r'}"; fi
  fi
  exec 3>&-
}

for _ in $(seq 1 100); do
  [[ $(resp PING 2>/dev/null) == +PONG ]] && break
  podman container inspect -f '{{.State.Running}}' "$CTR" | grep -q true || fail "container exited"
  sleep 0.1
done

expect() {  # expect "<expected reply>" command args...
  local want=$1 got; shift
  got=$(resp "$@") || fail "$* : no reply"
  [[ $got == "$want" ]] || fail "$* : got $(printf '%q' "$got"), want $(printf '%q' "$want")"
  say "ok: $* -> $(printf '%s' "$got" | tr '\n' ' ')"
}
expect "+PONG" PING
expect "+OK" SET smoke:key "hello shoal"
expect $'$11\nhello shoal' GET smoke:key
expect $'$-1' GET smoke:missing

# ------------------------------------------------------------------- user, cwd
uid=$(podman exec "$CTR" id -u)
[[ $uid != 0 ]] || fail "container user is root"
user=$(podman exec "$CTR" id -un)
hostpid=$(podman inspect -f '{{.State.Pid}}' "$CTR")
procuid=$(awk '/^Uid:/{print $2}' "/proc/$hostpid/status")
[[ $procuid != 0 ]] || fail "shoal-server (host pid $hostpid) runs with uid 0"
comm=$(cat "/proc/$hostpid/comm")
[[ $comm == shoal-server ]] || fail "container pid 1 is '$comm', not shoal-server"
say "ok: shoal-server runs as $user (uid $uid; host pid $hostpid has uid $procuid)"
cwd=$(podman exec "$CTR" pwd)
[[ $cwd == /data ]] || fail "working directory is $cwd, not /data"
podman exec "$CTR" test -w /data || fail "/data is not writable by $user"
say "ok: working directory /data, writable"

# ----------------------------------------------------------------- healthcheck
# It must find the --port given above (not fall back to 6379), and fail on a closed port.
if podman healthcheck run "$CTR" >/dev/null 2>&1; then
  say "ok: HEALTHCHECK passes"
else
  fail "HEALTHCHECK failed: $(podman healthcheck run "$CTR" 2>&1)"
fi
trace=$(podman exec "$CTR" bash -x /usr/local/bin/shoal-healthcheck 2>&1) || true
grep -qx "+ p=$PORT" <<<"$trace" || fail "the health check does not use port $PORT: $trace"
closed=$(free_port)
if podman exec -e SHOAL_HEALTHCHECK_PORT="$closed" "$CTR" /usr/local/bin/shoal-healthcheck >/dev/null 2>&1; then
  fail "the health check passes against a closed port ($closed)"
fi
say "ok: the health check uses port $PORT and fails on a closed port"

# ------------------------------------------------------------------------ stop
t0=$(date +%s.%N)
podman stop -t "$STOP_TIMEOUT" "$CTR" >/dev/null
t1=$(date +%s.%N)
code=$(podman inspect -f '{{.State.ExitCode}}' "$CTR")
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
[[ $code == 0 ]] || fail "exit status $code after podman stop (137 = killed after ${STOP_TIMEOUT}s)"
podman logs "$CTR" 2>&1 | grep -q "ready to exit" || fail "no shutdown message in the log"
say "ok: SIGTERM -> clean exit (status 0) in ${secs}s"
