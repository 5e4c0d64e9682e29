#!/usr/bin/env bash
# Rerun every lab study in full on Fashion-MNIST with the lab's statistics (issue 8, item 8), then
# print the verdict tables docs/REPRODUCTION.md takes (docs/verdicts.py reads each results.csv).
#
#   docs/reproduce.sh                 # all studies, into runs/fashion-mnist/<study>
#   OUT=/data/runs JOBS=2 docs/reproduce.sh optimizers schedules   # some studies
#
# Each study resumes where it stopped (same --out), so an interrupted rerun loses at most the runs
# in flight. Targets are the studies' own Fashion-MNIST values (trainlab.lab.targets), seeds the
# default 5 paired seeds. Measured wall times on the 2-core machine are in docs/REPRODUCTION.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/fashion-mnist}
JOBS=${JOBS:-2}
export MPLBACKEND=Agg PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

study() {  # study NAME [extra options...]
  local name=$1; shift
  local started=$SECONDS
  echo "== $name ($(date +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
  nice -n 10 python3 -m trainlab lab run "$name" --data fashion-mnist --jobs "$JOBS" --out "$OUT/$name" \
    --no-progress "$@"
  echo "$name: $((SECONDS - started)) s wall"
}

ALL=(optimizers momentum schedules clipping init-activation deep-selu batchnorm regularization mc-dropout
     sparse defaults search paths transfer)
for name in "${@:-${ALL[@]}}"; do
  case $name in
    # task B: sandal (5) vs shirt (6) from 200 images; task A: the other 8 classes (the book's setup)
    transfer) study transfer --set 'data.classes=[5, 6]' --set data.train_size=200 \
                --set 'pretrain.classes=[0, 1, 2, 3, 4, 7, 8, 9]' ;;
    *) study "$name" ;;
  esac
done
python3 -m trainlab paths --out "$OUT/paths-figure"
python3 docs/verdicts.py "$OUT"/* > "$OUT/verdicts.md"
echo "verdict tables: $OUT/verdicts.md"
