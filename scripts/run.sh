#!/usr/bin/env bash
# Installs what is missing, builds Release and starts shoal-server on 127.0.0.1:6379.
# Extra arguments go to the server, e.g. scripts/run.sh --shards 4
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release shoal-server >/dev/null
exec build/shoal-server --bind 127.0.0.1 --port 6379 "$@"
