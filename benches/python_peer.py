"""The peer fanzha-bot is measured against: plain BM25 over paragraphs (jieba + rank_bm25).

Reads the knowledge folder, splits article bodies into paragraphs, and answers one question per
stdin line with the best paragraph, as one JSON line (retrieval only: no figures, no threshold).
Used by benches/compare.sh; needs `pip install jieba rank_bm25`.
"""
import html
import json
import pathlib
import re
import sys

import jieba
from rank_bm25 import BM25Okapi

jieba.setLogLevel(60)


def paragraphs(folder):
    for path in sorted(pathlib.Path(folder).rglob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        text = re.sub(r"\A\s*---.*?\n---\s*\n", "", text, flags=re.S)
        for block in re.split(r"</p>|\n\s*\n", text):
            plain = html.unescape(re.sub(r"<[^>]+>", "", block)).strip()
            if plain:
                yield plain


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "knowledge"
    corpus = list(paragraphs(folder))
    bm25 = BM25Okapi([jieba.lcut(p) for p in corpus])
    out = sys.stdout
    for line in sys.stdin:
        question = line.rstrip("\n")
        scores = bm25.get_scores(jieba.lcut(question))
        best = max(range(len(corpus)), key=scores.__getitem__)
        # No flush per line: a batch tool lets the output buffer, as fanzha-bot does.
        out.write(json.dumps({"question": question, "passage": corpus[best]}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
