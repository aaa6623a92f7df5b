"""A PEP 517 build backend for the gdpr package, standard library only.

The package is pure Python (ctypes over the installed libgdpr), so a wheel
is a zip of gdpr/ and a .dist-info directory. Building it needs neither
setuptools nor wheel: `pip install bindings/python` works offline, with or
without build isolation. Metadata comes from pyproject.toml's [project].
SPDX-License-Identifier: MIT
"""
import base64
import hashlib
import os
import re
import zipfile

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TAG = "py3-none-any"


def _project():
    text = open(os.path.join(_HERE, "pyproject.toml"), encoding="utf-8").read()
    section = text.split("[project]", 1)[1].split("\n[", 1)[0]
    fields = dict(re.findall(r'^(\w[\w-]*)\s*=\s*"([^"]*)"', section, re.M))
    lic = re.search(r'^license\s*=\s*\{\s*text\s*=\s*"([^"]*)"', section, re.M)
    fields["license"] = lic.group(1) if lic else ""
    return fields


def _metadata(p):
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\nLicense: %s\n"
            "Requires-Python: %s\n" % (p["name"], p["version"], p.get("description", ""),
                                       p["license"], p.get("requires-python", ">=3.8")))


def _dist_info(p):
    return "%s-%s.dist-info" % (p["name"], p["version"])


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    p = _project()
    d = os.path.join(metadata_directory, _dist_info(p))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata(p))
    return _dist_info(p)


def _write_wheel(wheel_directory, files):
    p = _project()
    name = "%s-%s-%s.whl" % (p["name"], p["version"], _TAG)
    info = _dist_info(p)
    entries = list(files) + [
        (info + "/METADATA", _metadata(p).encode()),
        (info + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: gdpr_build\nRoot-Is-Purelib: true\n"
                           "Tag: %s\n" % _TAG).encode()),
    ]
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for arc, data in entries:
            z.writestr(arc, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (arc, digest, len(data)))
        record.append(info + "/RECORD,,")
        z.writestr(info + "/RECORD", "\n".join(record) + "\n")
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = []
    pkg = os.path.join(_HERE, "gdpr")
    for fn in sorted(os.listdir(pkg)):
        if fn.endswith(".py") or fn == "py.typed":
            with open(os.path.join(pkg, fn), "rb") as f:
                files.append(("gdpr/" + fn, f.read()))
    return _write_wheel(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, [("gdpr_editable.pth", (_HERE + "\n").encode())])
