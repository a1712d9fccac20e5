#!/usr/bin/env bash
# The whole pipeline on this machine, through the ./beit-stream commands: embedded Kafka + S3, ingest of
# Fashion-MNIST (stream and labelled evaluation sets), tokenizer training, the exactly-once tokenizer
# worker, continual pretraining, and the evaluator's probes of the checkpoints: one process per service, as a
# deployment runs them (`./beit-stream demo` runs the same in one process, within a time budget).
#
# Usage: scripts/pipeline.sh [tokenizer-minutes=3] [trainer-minutes=6] [stream-images=20000]
# Needs the Debian package dataset-fashion-mnist; without it the synthetic source is used instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tokenizer_minutes="${1:-3}"
trainer_minutes="${2:-6}"
images="${3:-20000}"
work="$(mktemp -d -t beit-stream-pipeline-XXXX)"
bs="$root/beit-stream"

"$bs" --version >/dev/null # builds on first use, before anything is timed
"$bs" infra --data-dir "$work/data" >"$work/infra.env" 2>"$work/infra.log" &
infra=$!
workers=()
cleanup() {
  for pid in "${workers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  kill "$infra" 2>/dev/null || true
  wait "$infra" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 120); do grep -q READY "$work/infra.env" 2>/dev/null && break; sleep 1; done
grep -q READY "$work/infra.env" || { cat "$work/infra.log" >&2; exit 1; }
export $(grep = "$work/infra.env" | xargs)
echo "pipeline: infrastructure up (logs and data in $work)"

if [[ -d /usr/share/datasets/fashion-mnist ]]; then
  "$bs" ingest fashion-mnist:train --limit "$images"
  "$bs" ingest fashion-mnist:train --eval --limit 3000
  "$bs" ingest fashion-mnist:test --eval --limit 1000
  "$bs" ingest mosaic --eval --limit 300 --side 56
else
  echo "pipeline: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist); using synthetic scenes" >&2
  "$bs" ingest synthetic --side 28 --limit "$images"
  "$bs" ingest synthetic --side 28 --eval --limit 2000 --seed 1
fi

"$bs" train-tokenizer --source stream --minutes "$tokenizer_minutes" --version pipeline-tok --metrics-every 50
"$bs" tokenizer-worker >"$work/worker.log" 2>&1 &
workers+=($!)
"$bs" trainer --run-id pipeline-run --minutes "$trainer_minutes" --warmup-steps 50 --checkpoint-every-steps 100 \
  --metrics-every-steps 20 2>&1 | tee "$work/trainer.log" | grep -E '^trainer:|resumed run' || true
"$bs" evaluator --once --max-train 3000 --max-test 1000
echo "pipeline: done. Broker logs and objects (checkpoints under runs/pipeline-run/) stay in $work/data;"
echo "          ./beit-stream infra --data-dir $work/data serves them again."
