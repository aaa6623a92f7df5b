#!/usr/bin/env python3
"""Check libgdpr's layering from the sources.

Each folder of lib/ is a layer: util -> crypto -> store -> core ->
capabilities -> the front (lib/gdpr.c, which lists the capability
modules). A file may include headers of its own folder and of the
layers below; store backends (lib/store/<backend>/) see the interface
(lib/store/) but not each other; capabilities see core and below, never
each other, except request, which may use export, erasure and vault.
<sqlite3.h> and <libpq-fe.h> belong to their backend only, <openssl/...>
to lib/crypto only; so do their calls: sqlite3_*() only in lib/store/sqlite,
libpq's PQ*() only in lib/store/postgres. Exit 1 naming each file, line and include that breaks
a rule; the build enforces the same through include directories.

With --archives BUILDDIR it also reads the layer archives
(libgdpr-<layer>.a) with nm: a symbol a layer uses must be defined in that
layer or one below it, so a call up (the engine calling a capability) is
refused even when it is declared in a lower header.

With --self-test it copies LIBDIR, adds an upward include and expects the
check to refuse it.

usage: layers.py LIBDIR [--archives BUILDDIR] [--self-test]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ORDER = {"util": 0, "crypto": 1, "store": 2, "core": 3}
CAPABILITY_RANK = 4
CAPABILITY_MAY_USE = {"request": {"export", "erasure", "vault"},
                      # the Art. 30 record asks the adequacy list and safeguards
                      "ropa": {"transfer"}}
FOREIGN = {
    "sqlite3.h": "store/sqlite",
    "libpq-fe.h": "store/postgres",
}

# Calls into a backend's library, allowed only in that backend's folder.
FOREIGN_CALLS = [
    (re.compile(r"\bsqlite3_\w+\s*\("), "store/sqlite", "SQLite"),
    (re.compile(r"\bPQ[a-z]\w*\s*\("), "store/postgres", "libpq"),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def folder_of(libdir, path):
    rel = os.path.relpath(path, libdir)
    return os.path.dirname(rel).replace(os.sep, "/")


FRONT = ("", "front")  # lib/gdpr.c, the front that lists the modules
FRONT_RANK = 5


def rank(folder):
    if folder in FRONT:
        return FRONT_RANK
    top = folder.split("/")[0]
    return ORDER.get(top, CAPABILITY_RANK)


def allowed(src, dst):
    """May a file in folder src include a header of folder dst?"""
    if src == dst:
        return True
    if dst == "store" and src.startswith("store/"):
        return True  # a backend implements the interface
    s_top, d_top = src.split("/")[0], dst.split("/")[0]
    if d_top == "store" and dst != "store":
        # a backend's private headers: only that backend
        return False
    if rank(dst) < rank(src):
        return True
    if rank(src) == CAPABILITY_RANK and rank(dst) == CAPABILITY_RANK:
        return d_top in CAPABILITY_MAY_USE.get(s_top, set())
    return False


def layer_of_archive(name):
    return name[len("libgdpr-"):-len(".a")]


def check_archives(builddir):
    """Every undefined symbol of a layer archive is defined at or below it."""
    layers = {}
    for name in os.listdir(builddir):
        if name.startswith("libgdpr-") and name.endswith(".a"):
            layer = layer_of_archive(name)
            out = subprocess.run(["nm", "-g", os.path.join(builddir, name)],
                                 check=True, capture_output=True, text=True).stdout
            defined, used = set(), set()
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] in "TDBRCGSVW":
                    defined.add(parts[2])
                elif len(parts) == 2 and parts[0] == "U":
                    used.add(parts[1])
            layers[layer] = (defined, used)
    if not layers:
        print(f"layers: no libgdpr-<layer>.a in {builddir}")
        return 1
    owner = {}
    for layer, (defined, _) in layers.items():
        for sym in defined:
            owner[sym] = layer
    bad = 0
    for layer, (_, used) in sorted(layers.items()):
        src = "store/x" if layer == "store" else layer
        for sym in sorted(used):
            dst = owner.get(sym)
            if dst is None or dst == layer:
                continue  # a system library's, or the layer's own
            if not allowed(src, dst):
                print(f"lib/{layer}: calls {sym}() of lib/{dst}, a layer it may not use")
                bad += 1
    if bad:
        print(f"layers: {bad} call(s) point up")
        return 1
    print(f"layers: {len(layers)} archives, every call points down")
    return 0


def self_test(libdir):
    """The check must refuse an upward include; prove it on a copy."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "lib")
        shutil.copytree(libdir, copy)
        with open(os.path.join(copy, "util", "text.c"), "a", encoding="utf-8") as f:
            f.write('#include "engine.h"\n')
        r = subprocess.run([sys.executable, __file__, copy], capture_output=True, text=True)
        if r.returncode == 0 or 'util/text.c' not in r.stdout or 'engine.h' not in r.stdout:
            print("layers self-test: an upward include in util/text.c was not refused:")
            print(r.stdout)
            return 1
    print("layers self-test: an upward include is refused, naming the file and include")
    return 0


def main():
    libdir = os.path.abspath(sys.argv[1])
    if "--self-test" in sys.argv:
        if self_test(libdir):
            return 1
    if "--archives" in sys.argv:
        if check_archives(sys.argv[sys.argv.index("--archives") + 1]):
            return 1
    headers = {}
    sources = []
    for root, _, files in os.walk(libdir):
        for name in files:
            if name.endswith((".c", ".h")):
                path = os.path.join(root, name)
                sources.append(path)
                if name.endswith(".h"):
                    if name in headers:
                        print(f"layers: header name {name} is used twice: "
                              f"{headers[name]} and {folder_of(libdir, path)}")
                        return 1
                    headers[name] = folder_of(libdir, path)
    bad = 0
    for path in sorted(sources):
        src = folder_of(libdir, path)
        rel = os.path.relpath(path, libdir)
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                for pattern, owner, what in FOREIGN_CALLS:
                    if src != owner and pattern.search(line):
                        print(f"lib/{rel}:{n}: calls {what}: belongs to lib/{owner} only")
                        bad += 1
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, name = m.groups()
                if kind == "<":
                    if name.startswith("openssl/") and src != "crypto":
                        print(f"lib/{rel}:{n}: <{name}>: OpenSSL belongs to lib/crypto only")
                        bad += 1
                    owner = FOREIGN.get(name)
                    if owner is not None and src != owner:
                        print(f"lib/{rel}:{n}: <{name}>: belongs to lib/{owner} only")
                        bad += 1
                    continue
                if name.startswith("gdpr/") or name == "gdpr.h":
                    continue  # the public API, below every layer
                base = os.path.basename(name)
                dst = headers.get(base)
                if dst is None:
                    continue  # generated or private to the build
                if "/" in name:
                    print(f"lib/{rel}:{n}: \"{name}\": include lib headers by name, "
                          f"not by path (the layer's include directories decide)")
                    bad += 1
                elif not allowed(src, dst):
                    print(f"lib/{rel}:{n}: \"{name}\" is in lib/{dst}, which lib/{src} "
                          f"may not use (layers point down: util -> crypto -> store -> "
                          f"core -> capabilities)")
                    bad += 1
    if bad:
        print(f"layers: {bad} include(s) break the layering")
        return 1
    print(f"layers: {len(sources)} files, every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
