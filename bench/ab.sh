#!/bin/sh
# Interleaved A/B of bench/inprocess.py: this tree and another (a checkout of main), in turn,
# each run on a fresh copy of the same seeded database, ROUNDS times. Prints one JSON line per
# run with the tree and the 1-minute load average; compare cpu_ms_per_request pair by pair.
#
#   bench/ab.sh /work/main 3 var/bench-10000.sqlite3 --op order -n 100
set -eu
other=$1 rounds=$2 seeded=$3
shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
for round in $(seq "$rounds"); do
  for tree in "$other" "$here"; do
    cp "$seeded" "$copy/db.sqlite3"
    # inprocess.py puts its own tree first on sys.path: the other tree's koc is the one timed
    out=$(cd "$tree" && "$python" "$tree/bench/inprocess.py" \
      --database-url "sqlite:///$copy/db.sqlite3" "$@" 2>/dev/null | tail -1)
    echo "{\"round\": $round, \"tree\": \"$tree\", \"load\": $(cut -d' ' -f1 /proc/loadavg), \"result\": $out}"
  done
done
