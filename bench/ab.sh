#!/usr/bin/env bash
# Before/after comparison on the same machine in the same run: alternates two hookd binaries
# through the given scenarios ROUNDS times and prints each run's headline figure.
#   bench/ab.sh BEFORE_BIN AFTER_BIN [rounds] [scenario ...]
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=$1; AFTER=$2; ROUNDS=${3:-3}; shift 3 || true
SCEN=("$@"); [ ${#SCEN[@]} -gt 0 ] || SCEN=(ingest e2e)
mkdir -p bench/results/ab
for r in $(seq "$ROUNDS"); do
  for side in before after; do
    bin=$BEFORE; [ $side = after ] && bin=$AFTER
    HOOKD=$bin bash bench/run.sh "${SCEN[@]}" 2>&1 | grep -E "^(ingest|inbox|end-to-end|moderate load|fan-out|backlog|slow receivers|reference)" | sed "s/^/$side round $r: /"
    for s in "${SCEN[@]}"; do
      for f in bench/results/$s*.json; do [ -f "$f" ] && cp "$f" "bench/results/ab/$(basename "$f" .json)-$side-$r.json"; done
    done
  done
done
