#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The layering rule of docs/ARCHITECTURE.md, checked: a module under src/ includes only itself
and modules listed before it in the architecture's folder list. The order is read from that
list (lines "src/<module>/ ..."), so the document and the check cannot drift apart: a new
folder under src/ that the document does not list is an error too.

Usage: scripts/check-layers.py [repo root]   (exit 1 and one line per violation)"""

import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
with open(os.path.join(root, "docs", "ARCHITECTURE.md"), encoding="utf-8") as f:
    order = re.findall(r"^src/(\w+)/", f.read(), re.M)
rank = {m: i for i, m in enumerate(order)}
include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
problems = []

src = os.path.join(root, "src")
for module in sorted(os.listdir(src)):
    if not os.path.isdir(os.path.join(src, module)):
        continue
    if module not in rank:
        problems.append(f"src/{module}/: not listed in docs/ARCHITECTURE.md")
        continue
    for dirpath, _, files in os.walk(os.path.join(src, module)):
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for m in include.finditer(text):
                target = m.group(1).split("/")[0]
                if "/" not in m.group(1) or target == module:
                    continue  # a file of the same folder
                if target not in rank:
                    continue  # not a module (a generated file, say)
                if rank[target] > rank[module]:
                    line = text.count("\n", 0, m.start()) + 1
                    rel = os.path.relpath(path, root)
                    problems.append(f"{rel}:{line}: {module} includes {m.group(1)}, "
                                    f"a module listed after it")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
