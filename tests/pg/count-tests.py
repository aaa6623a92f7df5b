#!/usr/bin/env python3
"""Count the tests one `meson test` run ran, from its testlog JSON
(build/meson-logs/testlog[-SETUP].json): meson tests by result, and the
Check tests inside them (each suite prints "NN%: Checks: N, ..." and
helpers.c's th_run prints "th-count: backend=B checks=N skipped=K").

usage: count-tests.py LABEL TESTLOG.json [--require-run]
--require-run: exit 1 when no Check test ran (e.g. every suite skipped).
SPDX-License-Identifier: MIT
"""
import json
import re
import sys


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    label, path = sys.argv[1], sys.argv[2]
    require = '--require-run' in sys.argv[3:]
    results = {}
    checks = skipped = 0
    suites_run = 0
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            results[t['result']] = results.get(t['result'], 0) + 1
            out = t.get('stdout') or ''
            n = sum(int(m) for m in re.findall(r'^\d+%: Checks: (\d+)', out, re.M))
            k = sum(int(m) for m in re.findall(r'^th-count: .* skipped=(\d+)', out, re.M))
            checks += n
            skipped += k
            if n > k:
                suites_run += 1
    meson = ', '.join('%s %d' % (r.lower(), c) for r, c in sorted(results.items()))
    print('%s: %d Check tests run in %d programs (%d more skipped there: they read SQLite '
          'files); meson tests: %s' % (label, checks - skipped, suites_run, skipped, meson))
    if require and checks - skipped <= 0:
        print('%s: no test ran' % label, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
