#!/usr/bin/env bash
# Throughput and start-up of `fanzha-bot ask --json` against the Python peer (jieba + rank_bm25,
# retrieval only), measured in the same run on the same machine.
#   bash benches/compare.sh [QUESTIONS]      (default 20000; needs: pip install jieba rank_bm25)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
cargo build --release --quiet
bin=target/release/fanzha-bot
questions=$(mktemp)
trap 'rm -f "$questions"' EXIT
# The dev and regression questions, repeated up to n lines.
python3 - "$n" > "$questions" <<'PY'
import json, sys
n = int(sys.argv[1])
qs = [json.loads(l)["q"] for f in ("tests/fixtures/dev-questions.jsonl", "knowledge/regression.jsonl")
      for l in open(f, encoding="utf-8") if l.strip()]
for i in range(n):
    print(qs[i % len(qs)])
PY
seconds() { local start end; start=$(date +%s.%N); "$@" > /dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
echo "machine: $(nproc) cores, $(uname -m); $n questions"
rust_start=$(seconds "$bin" ask "拦截了多少涉诈电话")
python_start=$(seconds python3 benches/python_peer.py knowledge < /dev/null)
rust=$(seconds "$bin" ask --json < "$questions")
python=$(seconds python3 benches/python_peer.py knowledge < "$questions")
echo "cold start, one question: fanzha-bot ${rust_start}s, python peer ${python_start}s (ratio $(echo "scale=2; $rust_start / $python_start" | bc))"
echo "batch: fanzha-bot ${rust}s ($(echo "$n / $rust" | bc) q/s), python peer ${python}s ($(echo "$n / $python" | bc) q/s)"
echo "throughput ratio: $(echo "scale=1; $python / $rust" | bc)x"
