#!/usr/bin/env bash
# Throughput of `fanzha-bot scan` in batch mode: N messages (default 10000) on stdin, one JSON
# line out each. The messages are the labelled set (tests/fixtures/scam-messages.jsonl), varied
# with greetings, endings and joined pairs so no two consecutive lines are the same.
#   bash benches/scan-throughput.sh [MESSAGES]      (uses hyperfine when installed, else `time`)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
cargo build --release --quiet
bin=target/release/fanzha-bot
messages=$(mktemp)
trap 'rm -f "$messages"' EXIT
python3 - "$n" > "$messages" <<'PY'
import json, sys
n = int(sys.argv[1])
msgs = [json.loads(l)["text"] for l in open("tests/fixtures/scam-messages.jsonl", encoding="utf-8") if l.strip()]
greet = ["", "你好，", "转发：", "【通知】", "妈，"]
tail = ["", " 谢谢", "！！", "，收到请回复", " 123"]
for i in range(n):
    m = msgs[i % len(msgs)]
    v = i // len(msgs)
    if v % 7 == 3:
        m = m + "。" + msgs[(i * 7 + 3) % len(msgs)]
    print(greet[v % len(greet)] + m + tail[(v // 5) % len(tail)])
PY
echo "machine: $(nproc) cores, $(uname -m); load: $(cut -d' ' -f1-3 /proc/loadavg); $n messages"
if command -v hyperfine > /dev/null; then
    hyperfine --warmup 3 --runs 30 "$bin scan < $messages > /dev/null"
else
    time "$bin" scan < "$messages" > /dev/null
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); messages/s = $n / mean seconds"
