#!/usr/bin/env python3
# Turn lib/data/adequacy.json into a C array so the shipped adequacy list is
# compiled into the library (lib/adequacy.c parses it on first use, with the
# same checks as a file given to gdpr_adequacy_load()).
#
#   gen-adequacy.py INPUT.json OUTPUT.c
#
# The build fails here already when the file is not UTF-8 or not JSON, so a
# broken data file never reaches a release.
# SPDX-License-Identifier: MIT
import json
import sys


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: gen-adequacy.py INPUT.json OUTPUT.c\n")
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    try:
        json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        sys.stderr.write("%s: not valid UTF-8 JSON: %s\n" % (argv[1], e))
        return 1
    if b"\0" in data:
        sys.stderr.write("%s: holds a NUL byte\n" % argv[1])
        return 1
    lines = []
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        lines.append("    " + " ".join("0x%02x," % b for b in chunk))
    out = [
        "/* Generated from lib/data/adequacy.json by lib/data/gen-adequacy.py: do not edit. */",
        "#include \"adequacy.h\"",
        "",
        "const char gdpr_adequacy__builtin_json[] = {",
    ]
    out.extend(lines)
    out.append("    0x00")
    out.append("};")
    out.append("const size_t gdpr_adequacy__builtin_len = %d;" % len(data))
    out.append("")
    with open(argv[2], "w", encoding="ascii") as f:
        f.write("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
