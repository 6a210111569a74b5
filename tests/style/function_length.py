#!/usr/bin/env python3
"""House style: no C function body over MAX_LINES lines (tables are data,
not functions, and are not counted). Prints the offenders; exit 1 if any."""
import re
import sys
from pathlib import Path

MAX_LINES = 60
HEAD = re.compile(r"^[A-Za-z_][\w \*]*\b(\w+)\s*\([^;{]*\)\s*$")


def functions(path):
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        m = HEAD.match(lines[i])
        # a definition: the signature line (or lines), then "{" alone at column 0
        j = i
        while m and j + 1 < len(lines) and not lines[j].rstrip().endswith(")"):
            j += 1
        if m and j + 1 < len(lines) and lines[j + 1] == "{":
            start = j + 1
            end = start + 1
            while end < len(lines) and lines[end] != "}":
                end += 1
            yield m.group(1), i + 1, end - start - 1
            i = end
        i += 1


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
    bad = []
    for path in sorted((root / "src").rglob("*.c")):
        for name, line, length in functions(path):
            if length > MAX_LINES:
                bad.append(f"{path.relative_to(root)}:{line}: {name}: {length} lines")
    for b in bad:
        print(b)
    print(f"{len(bad)} functions over {MAX_LINES} lines")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
