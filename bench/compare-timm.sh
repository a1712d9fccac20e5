#!/usr/bin/env bash
# Training-step throughput of the Java model against timm's BEiT on the same CPU, same threads, same
# configuration (rgb32-tiny: img 32, patch 4, dim 192, depth 6, heads 3, vocab 8192, batch 64).
#
# The implementations run alternately, one process each per round, so that a slow spell of this shared
# machine hits both alike. Every step is timed; the median and the best step time over all rounds are
# reported with the speed ratio Java / timm (> 1: Java is faster). Two timm variants: "beitv2" does the
# same work as the Java step (mask token, patch aggregation branch, two heads: the like-for-like
# comparison), "plain" is timm's Beit as it comes.
#
# Usage: bench/compare-timm.sh [rounds=3] [threads=$(nproc)] [steps=5] [warmup=2]
# Needs: a Python with torch and timm (PYTHON, default /tmp/timm-venv/bin/python; create it with
#   python3 -m venv /tmp/timm-venv && /tmp/timm-venv/bin/pip install torch timm).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
threads="${2:-$(nproc)}"
steps="${3:-5}"
warmup="${4:-2}"
python="${PYTHON:-/tmp/timm-venv/bin/python}"
jar="$root/app/target/beit-stream.jar"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT

[[ -f "$jar" ]] || (cd "$root" && mvn -B -q -DskipTests -pl app -am package)
# The mirror's torchvision wheel does not load against its torch, and timm imports torchvision at
# start-up without using it for BEiT: the stub makes those imports succeed (see its docstring).
export PYTHONPATH="$root/bench/torchvision_stub${PYTHONPATH:+:$PYTHONPATH}"

# The Java process retains freed native memory by default (BEIT_STREAM_MALLOC, see NativeMemory); it runs
# once that way and once with the C library's defaults. timm runs as it comes and once with glibc set the
# same way (GLIBC_TUNABLES), so the effect of the allocator can be told apart from that of the code.
retain_tunables="glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647"
for ((r = 1; r <= rounds; r++)); do
  echo "round $r/$rounds" >&2
  for malloc in retain system; do
    BEIT_STREAM_MALLOC="$malloc" java -Dai.djl.offline=true -jar "$jar" bench model --configs rgb32-tiny --batch 64 \
        --rounds 1 --steps "$steps" --warmup "$warmup" --threads "$threads" --json 2>/dev/null \
      | grep '^{' | sed "s/^{/{\"impl\":\"java\",\"malloc\":\"$malloc\",/" >>"$results"
  done
  for variant in beitv2 plain; do
    "$python" "$root/bench/timm_beit_step.py" --variant "$variant" --batch 64 --threads "$threads" \
        --steps "$steps" --warmup "$warmup" | sed 's/^{/{"malloc":"system",/' >>"$results"
  done
  GLIBC_TUNABLES="$retain_tunables" "$python" "$root/bench/timm_beit_step.py" --variant beitv2 --batch 64 \
      --threads "$threads" --steps "$steps" --warmup "$warmup" | sed 's/^{/{"malloc":"retain",/' >>"$results"
done

"$python" - "$results" <<'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
def steps(impl, malloc, variant=None):
    """Every timed training step of every round, in seconds."""
    return [t for r in rows if r['impl'] == impl and r['malloc'] == malloc
            and (variant is None or r.get('variant') == variant) for t in r['train_step_s']]
java, java_system = steps('java', 'retain'), steps('java', 'system')
v2, v2_retain, plain = steps('timm', 'system', 'beitv2'), steps('timm', 'retain', 'beitv2'), steps('timm', 'system', 'plain')
print(f"threads {rows[0]['threads']}, batch 64, rgb32-tiny; seconds per training step over all rounds")
print(f"{'':52s} {'median':>8s} {'best':>8s} {'steps':>6s}")
for name, xs in [('java (DJL, MimTrainingStep), freed memory retained', java),
                 ('java, C library malloc defaults', java_system),
                 ('timm beitv2 (same work as java)', v2),
                 ('timm beitv2, glibc set to retain freed memory', v2_retain),
                 ('timm plain Beit (6 blocks, 1 head)', plain)]:
    print(f"{name:52s} {statistics.median(xs):8.3f} {min(xs):8.3f} {len(xs):6d}")
for name, xs in [('timm beitv2', v2), ('timm beitv2, both retaining memory', v2_retain), ('timm plain', plain)]:
    print(f"speed ratio java / {name}: median {statistics.median(xs) / statistics.median(java):.2f}, "
          f"best {min(xs) / min(java):.2f}  (> 1: java faster)")
print(f"speed ratio java with malloc defaults / timm beitv2: median "
      f"{statistics.median(v2) / statistics.median(java_system):.2f}, best {min(v2) / min(java_system):.2f}")
EOF
