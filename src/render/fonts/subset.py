#!/usr/bin/python3
"""Makes NotoSansSC-GB2312.otf, the font charts are drawn with (src/render/chart.rs).

Noto Sans CJK SC Regular (SIL Open Font License 1.1, see OFL.txt), cut down to the characters of
GB 2312 (every valid two-byte code decoded), printable ASCII, CJK and full-width punctuation and
digits. Needs fonttools (`apt-get install fonts-noto-cjk python3-fonttools`). Run from the
repository root:

    python3 src/render/fonts/subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def gb2312_characters():
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    chars = gb2312_characters()
    chars.update(chr(c) for c in range(0x20, 0x7F))  # ASCII
    chars.update(chr(c) for c in range(0x3000, 0x3040))  # CJK punctuation
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width forms
    chars.update("—–‘’“”…·•、。《》「」『』【】〔〕％＋－×÷≈≤≥±")
    text = HERE / "chars.txt"
    text.write_text("".join(sorted(chars)), encoding="utf-8")
    # Font number 2 of the collection is Noto Sans CJK SC.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "fontTools.subset",
            source,
            "--font-number=2",
            f"--text-file={text}",
            "--layout-features=kern,palt,vert",
            "--no-hinting",
            "--name-IDs=*",
            "--name-languages=*",
            f"--output-file={HERE / 'NotoSansSC-GB2312.otf'}",
        ],
        check=True,
    )
    text.unlink()


if __name__ == "__main__":
    main()
