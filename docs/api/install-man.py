#!/usr/bin/env python3
"""Install doxygen's man(3) page of each public header as gdpr_<header>.3
(common.h.3 -> gdpr_common.3) under DESTDIR/prefix/MANDIR.
Usage: install-man.py DOXYGEN_MAN3_DIR MANDIR"""
import glob
import os
import shutil
import sys

src, mandir = sys.argv[1:3]
prefix = os.environ.get('MESON_INSTALL_DESTDIR_PREFIX') or os.environ['MESON_INSTALL_PREFIX']
dest = os.path.join(prefix, mandir)
os.makedirs(dest, exist_ok=True)
n = 0
for page in sorted(glob.glob(os.path.join(src, '*.h.3'))):
    name = os.path.basename(page)[:-len('.h.3')]
    target = 'gdpr.3' if name == 'gdpr' else 'gdpr_' + name + '.3'
    shutil.copyfile(page, os.path.join(dest, target))
    n += 1
if n == 0:
    sys.exit('install-man.py: no header pages in ' + src)
print('installed %d man(3) pages in %s' % (n, dest))
