#!/usr/bin/env python3
"""Compile and run every C snippet in README.md and docs/*.md.

Usage: snippets.py SOURCE_ROOT CC INCLUDE_DIR BUILD_INCLUDE_DIR LIBGDPR_SO

A ```c block that defines main() is a program: compiled, linked against the
library and run in a scratch directory (with examples/ beside it). Every
other ```c block of a file is a step of that file's story: the steps run in
order, as blocks of one program that opens a fresh store with
examples/policy.json and declares what the docs take as given (eng, the
actors dpo/agent/supervisor/system, rc, record, event, request, fp and the
host's callbacks; customers CUST-1001..CUST-1004 exist); after each step rc must be GDPR_OK. A block preceded by
<!-- snippet: fragment --> is not compiled (counted as skipped). The test
fails when a snippet does not compile, link or run, or when none ran.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

PRELUDE = r'''
#include <gdpr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_to_file(const void *buf, size_t len, void *ctx)
{
    return fwrite(buf, 1, len, (FILE *)ctx) == len ? 0 : 1;
}
static int export_orders(const char *subject, gdpr_source_writer *w, void *ctx)
{
    (void)subject; (void)ctx;
    return gdpr_source_write(w, "financial", "order.total", "149.90 EUR", 10) == GDPR_OK ? 0 : 1;
}
static int erase_orders(const char *subject, void *ctx) { (void)subject; (void)ctx; return 0; }
static int orders_export(const char *subject, gdpr_source_writer *w, void *ctx)
{
    return export_orders(subject, w, ctx);
}
static int orders_erase(const char *subject, void *ctx) { (void)subject; (void)ctx; return 0; }
static void log_skip(const char *s, const char *code, const char *text) { (void)s; (void)code; (void)text; }
static void schedule_retry(void) {}
static int report_error(const char *code, const char *msg)
{
    fprintf(stderr, "%s: %s\n", code, msg);
    return 1;
}

int main(int argc, char **argv)
{
    static const unsigned char kek[32] = {1};
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_actor dpo = {"dpo-chiara", "dpo"}, agent = {"agent-anna", "agent"};
    gdpr_actor supervisor = {"sup-sam", "supervisor"}, system = {"cron", "system"};
    gdpr_engine *eng = NULL;
    int64_t record = 0, event = 0, request = 0;
    void *db = NULL, *crm = NULL;
    FILE *fp = tmpfile();
    char path[4096];
    int rc;

    if (argc != 3 || fp == NULL)
        return 2;
    snprintf(path, sizeof path, "%s/story.db", argv[1]);
    opts.path = path;
    opts.key = kek;
    opts.key_len = sizeof kek;
    rc = gdpr_open(&eng, &opts);
    if (rc == GDPR_OK)
        rc = gdpr_policy_load(eng, &dpo, argv[2]);
    for (int i = 1; rc == GDPR_OK && i <= 4; i++) { /* the customers the docs name */
        char id[16];
        snprintf(id, sizeof id, "CUST-100%d", i);
        rc = gdpr_vault_put(eng, &agent, id, "contact", "service", "x", 1, NULL);
    }
    if (rc != GDPR_OK) {
        fprintf(stderr, "setup: %s: %s\n", gdpr_strerror(rc), gdpr_errmsg());
        return 1;
    }
'''

EPILOGUE = r'''
    (void)record; (void)event; (void)request; (void)db; (void)crm;
    (void)dpo; (void)agent; (void)supervisor; (void)system;
    fclose(fp);
    gdpr_close(eng);
    return 0;
}
'''

STEP_CHECK = r'''
    if (rc != GDPR_OK) {
        fprintf(stderr, "%s line %d: %s: %s\n", "FILE", LINE, gdpr_strerror(rc), gdpr_errmsg());
        return 1;
    }
'''


def blocks(path):
    """(line, text, skip) for every ```c block."""
    out = []
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        if lines[i].strip() == '```c':
            j = i - 1
            while j >= 0 and lines[j].strip() == '':
                j -= 1
            skip = j >= 0 and lines[j].strip() == '<!-- snippet: fragment -->'
            k = i + 1
            while k < len(lines) and lines[k].strip() != '```':
                k += 1
            out.append((i + 2, '\n'.join(lines[i + 1:k]), skip))
            i = k
        i += 1
    return out


def run(cmd, cwd=None):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stdout.write(r.stdout + r.stderr)
    return r.returncode == 0


def main():
    root, cc, inc, build_inc, lib = sys.argv[1:6]
    # A sanitizer build of the library needs its runtime in the program too
    # (the snippets then run under the same sanitizers).
    extra = [a for a in sys.argv[6:] if a.startswith('-fsanitize=')]
    cflags = ['-std=c11', '-D_POSIX_C_SOURCE=200809L', '-Wall', '-Wextra', '-Werror',
              '-Wno-unused-function', '-Wno-unused-variable', '-Wno-unused-but-set-variable',
              '-I' + inc, '-I' + build_inc] + extra
    libdir = os.path.dirname(os.path.abspath(lib))
    ldflags = [lib, '-Wl,-rpath,' + libdir] + extra
    files = [os.path.join(root, 'README.md')] + sorted(glob.glob(os.path.join(root, 'docs', '*.md')))
    ran = skipped = 0
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(os.path.join(root, 'examples'), os.path.join(tmp, 'examples'))
        for path in files:
            name = os.path.relpath(path, root)
            steps = []
            for line, text, skip in blocks(path):
                if skip:
                    skipped += 1
                elif re.search(r'\bmain\s*\(', text):
                    src = os.path.join(tmp, 'prog.c')
                    exe = os.path.join(tmp, 'prog')
                    open(src, 'w').write(text + '\n')
                    for f in glob.glob(os.path.join(tmp, 'crm.db*')):
                        os.unlink(f)
                    if run([cc] + cflags + [src, '-o', exe] + ldflags) and run([exe], cwd=tmp):
                        ran += 1
                        print('ok: %s:%d (program)' % (name, line))
                    else:
                        failed.append('%s:%d' % (name, line))
                else:
                    steps.append((line, text))
            if not steps:
                continue
            body = PRELUDE
            for line, text in steps:
                body += '    {\n#line %d "%s"\n%s\n    }\n' % (line, name, text)
                body += STEP_CHECK.replace('"FILE"', '"%s"' % name).replace('LINE', str(line))
            body += EPILOGUE
            src = os.path.join(tmp, 'story.c')
            exe = os.path.join(tmp, 'story')
            open(src, 'w').write(body)
            store = tempfile.mkdtemp(dir=tmp)
            if run([cc] + cflags + [src, '-o', exe] + ldflags) and \
                    run([exe, store, os.path.join(root, 'examples', 'policy.json')], cwd=tmp):
                ran += len(steps)
                print('ok: %s: %d steps' % (name, len(steps)))
            else:
                failed.append(name)
    print('%d snippets compiled and ran, %d skipped (marked fragment), %d failed' %
          (ran, skipped, len(failed)))
    if failed:
        print('failed: ' + ', '.join(failed))
        return 1
    return 0 if ran > 0 else 1


if __name__ == '__main__':
    sys.exit(main())
