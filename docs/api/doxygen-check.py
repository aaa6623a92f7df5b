#!/usr/bin/env python3
"""Run doxygen on the headers and fail on any warning or error (a partial
@param list is one). Usage: doxygen-check.py DOXYGEN DOXYFILE"""
import re
import subprocess
import sys

r = subprocess.run([sys.argv[1], sys.argv[2]], capture_output=True, text=True)
lines = (r.stdout + r.stderr).splitlines()
bad = [line for line in lines if re.search(r'(warning|error):', line)]
for line in lines:
    if bad and (re.search(r'(warning|error):', line) or line.startswith('  parameter')):
        print(line)
if r.returncode != 0 or bad:
    print('doxygen: %d warnings (rc %d)' % (len(bad), r.returncode))
    sys.exit(1)
print('doxygen: no warning')
