#!/usr/bin/env python3
"""Every global symbol the static library defines must start with gdpr_.

    symbols.py [--nm NM] [--prefix gdpr_] libgdpr.a

Runs `nm -A -P -g --defined-only` on the archive and fails, listing them
(symbol, type, object file), when a defined global symbol of type T, D, B,
R, C, G or S (code, data, bss, read-only, common, small data) does not
start with the prefix. Weak (W, V) and undefined (U) symbols are ignored:
they are references to, or overridable defaults for, other libraries. So are
the markers a sanitizer build adds (__odr_asan.<name>).
Internal symbols are named gdpr_<module>__<name> (gdpr__<name> when no
module owns them), so they cannot clash with an application's own.
"""
import argparse
import os
import subprocess
import sys

CHECKED_TYPES = set("TDBRCGS")
# Made by the compiler for a sanitizer build (AddressSanitizer's
# one-definition-rule markers name the real symbol after the dot), not by us.
SANITIZER_PREFIXES = ("__odr_asan.", "__asan_", "__ubsan_", "__sancov_")


def defined_globals(nm, archive):
    """Yield (object, symbol, type) for each defined global in archive."""
    out = subprocess.run([nm, "-A", "-P", "-g", "--defined-only", archive],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        # POSIX format with -A: "lib.a[obj.o]: name type [value [size]]"
        where, sep, rest = line.rpartition(": ")
        if not sep:
            continue
        fields = rest.split()
        if len(fields) < 2:
            continue
        name, kind = fields[0], fields[1]
        obj = where[where.find("[") + 1:-1] if where.endswith("]") else where
        yield obj, name, kind


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nm", default=os.environ.get("NM", "nm"))
    ap.add_argument("--prefix", default="gdpr_")
    ap.add_argument("archive")
    args = ap.parse_args()

    try:
        syms = list(defined_globals(args.nm, args.archive))
    except (OSError, subprocess.CalledProcessError) as e:
        print("symbols.py: cannot run %s on %s: %s" % (args.nm, args.archive, e),
              file=sys.stderr)
        return 2
    checked = [s for s in syms
               if s[2] in CHECKED_TYPES and not s[1].startswith(SANITIZER_PREFIXES)]
    if not any(name.startswith(args.prefix) for _, name, _ in checked):
        print("symbols.py: no %s* symbol in %s: not libgdpr?" % (args.prefix, args.archive),
              file=sys.stderr)
        return 2
    bad = sorted({(name, kind, obj) for obj, name, kind in checked
                  if not name.startswith(args.prefix)})
    if bad:
        print("%d of %d defined global symbols in %s do not start with %s:"
              % (len(bad), len(checked), args.archive, args.prefix))
        width = max(len(name) for name, _, _ in bad)
        for name, kind, obj in bad:
            print("  %-*s %s  %s" % (width, name, kind, obj))
        return 1
    print("%d defined global symbols, all %s*" % (len(checked), args.prefix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
