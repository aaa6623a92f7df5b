#!/usr/bin/env python3
"""Compare the symbols libgdpr.so exports with lib/libgdpr.map and with the
GDPR_API declarations in the public headers: all three must agree."""
import re
import subprocess
import sys
from pathlib import Path

lib, mapfile, incdir = sys.argv[1], sys.argv[2], Path(sys.argv[3])

out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                     capture_output=True, text=True).stdout
exported = {line.split()[-1].split("@")[0] for line in out.splitlines()
            if line.split() and line.split()[-2] in ("T", "D", "B", "R")}
exported = {s for s in exported if not s.startswith("LIBGDPR")}

text = Path(mapfile).read_text()
global_part = text.split("global:")[1].split("local:")[0]
listed = {s.strip().rstrip(";") for s in global_part.split() if s.strip().rstrip(";")}

declared = set()
for header in incdir.rglob("*.h"):
    for m in re.finditer(r"GDPR_API\s+[^;(]*?\b(gdpr_\w+)\s*\(", header.read_text()):
        declared.add(m.group(1))

ok = True
for name, a, b in (("exported but not in the map", exported, listed),
                   ("in the map but not exported", listed, exported),
                   ("declared GDPR_API but not in the map", declared, listed),
                   ("in the map but not declared GDPR_API", listed, declared)):
    diff = sorted(a - b)
    if diff:
        ok = False
        print(f"{name}: {', '.join(diff)}")
print(f"{len(exported)} exported, {len(listed)} in the map, {len(declared)} declared")
sys.exit(0 if ok else 1)
