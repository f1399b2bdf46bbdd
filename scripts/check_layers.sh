#!/usr/bin/env bash
# Include layering (docs/ARCHITECTURE.md, "Layers"): base/ <- protocol/, shard/ <- server/.
#   base/      includes nothing of protocol/, shard/, server/
#   protocol/  includes nothing of shard/, server/
#   shard/     includes nothing of protocol/ or server/ (numbers come from base/)
#   persistence/ includes nothing of server/ or protocol/ (base/ and shard/ only)
# Prints each offending include and exits 1; run by scripts/test.sh before building.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
check() {  # check DIR FORBIDDEN_PREFIX...
  local dir=$1
  shift
  local pattern
  pattern="^[[:space:]]*#[[:space:]]*include[[:space:]]*\"($(IFS='|'; echo "$*"))/"
  local hits
  hits=$(grep -rnE "$pattern" "$dir" --include='*.h' --include='*.cc' || true)
  if [[ -n "$hits" ]]; then
    echo "layering violation: $dir/ must not include $(printf '%s/, ' "$@" | sed 's/, $//')" >&2
    echo "$hits" >&2
    status=1
  fi
}
check base protocol shard server
check protocol shard server
check shard protocol server
check persistence server protocol
if ((status == 0)); then echo "layers ok: base/ <- protocol/, shard/, persistence/ <- server/"; fi
exit $status
