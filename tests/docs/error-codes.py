#!/usr/bin/env python3
"""Docs and code agree on error codes.

For every public function (GDPR_API in include/gdpr/*.h) the codes its
doc comment documents (GDPR_E* named in the @return text; "as f()"
takes f's codes too) must each be returnable: the code's name must appear
on some path of the function, that is in its body or in the body of a
function it calls, transitively, over every definition in lib/ (calls
through an ops table, `p->name(...)`, reach every function assigned to
`.name = f`). A documented code that no path can produce is a mismatch:
the script lists function and code and fails.

It is a static over-approximation: a code reachable through the call
graph counts as returnable even if no input reaches it. It finds the
plain mismatches (a code documented that the function and everything it
calls never mention).

Usage: error-codes.py SOURCE_ROOT
"""
import glob
import os
import re
import sys

CODE = re.compile(r'\bGDPR_E[A-Z]+\b')
# Codes that are not errors of a call (the enum's own names).
NOT_RETURNED = set()


def strip_c(text):
    """Drop comments and string literals (a code named in a message is
    not a code returned)."""
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(?:\\.|[^'\\\n])*'", "''", text)
    return text


def parse_docs(root):
    """{function: (codes, [as-functions], header)} from the headers."""
    docs = {}
    for path in sorted(glob.glob(os.path.join(root, 'include', 'gdpr', '*.h'))):
        text = open(path, encoding='utf-8').read()
        for m in re.finditer(r'/\*\*((?:(?!\*/).)*)\*/\s*GDPR_API\b[^;{]*?\b(gdpr_\w+)\s*\(', text,
                             re.S):
            comment, name = m.group(1), m.group(2)
            ret = re.search(r'@return\b(.*?)(?=@\w+|\Z)', comment, re.S)
            if ret is None:
                continue
            body = ret.group(1)
            codes = set(CODE.findall(body))
            alike = re.findall(r'\bas (?:in )?(gdpr_\w+)\(\)', body)
            docs[name] = (codes, alike, os.path.relpath(path, root))
    return docs


def parse_lib(root):
    """Function definitions in lib/: name -> list of (file, static, codes, calls)."""
    defs = {}
    ops = {}
    for path in sorted(glob.glob(os.path.join(root, 'lib', '**', '*.c'), recursive=True)):
        raw = open(path, encoding='utf-8').read()
        text = strip_c(raw)
        for m in re.finditer(r'\.(\w+)\s*=\s*(gdpr_\w+)\s*[,}\n]', text):
            ops.setdefault(m.group(1), set()).add(m.group(2))
        generators = set()
        # Definitions made by a macro: "#define M(fn, ...) ... GDPR_API int fn(...) {...}"
        # and a line "M(gdpr_name, ...)" at the start of a line define
        # gdpr_name with the macro's body (lib/core/limits.c LIMIT_CALL).
        for mac in re.finditer(r'^#define\s+(\w+)\((\w+)[^)]*\)((?:[^\n]*\\\n)*[^\n]*)', text, re.M):
            macro, param, body = mac.group(1), mac.group(2), mac.group(3)
            if 'GDPR_API' not in body or not re.search(r'\b%s\s*\(' % param, body):
                continue
            generators.add(macro)
            body = body.replace('\\\n', '\n')
            calls = set(re.findall(r"\b([A-Za-z_]\w*)\b", body)) - {param}
            members = set(re.findall(r'(?:->|\.)(\w+)\s*\(', body))
            for use in re.finditer(r'^%s\((gdpr_\w+)\s*,' % macro, text, re.M):
                defs.setdefault(use.group(1), []).append(
                    (path, False, set(CODE.findall(body)), calls, members))
        lines = text.split('\n')
        i = 0
        while i < len(lines):
            m = re.match(r'^(\w+)\s*\(', lines[i])
            if m and m.group(1) not in ('if', 'for', 'while', 'switch', 'return', 'sizeof') and \
                    m.group(1) not in generators:
                # the definition's head runs to a line "{" (house style)
                j = i
                while j < len(lines) and not lines[j].startswith('{') and not lines[j].rstrip().endswith(
                        ';'):
                    j += 1
                if j < len(lines) and lines[j].startswith('{'):
                    k = j + 1
                    while k < len(lines) and not lines[k].startswith('}'):
                        k += 1
                    body = '\n'.join(lines[j:k + 1])
                    prev = lines[i - 1] if i > 0 else ''
                    static = prev.startswith('static')
                    calls = set(re.findall(r"\b([A-Za-z_]\w*)\b", body))  # calls and functions passed by address
                    members = set(re.findall(r'(?:->|\.)(\w+)\s*\(', body))
                    defs.setdefault(m.group(1), []).append(
                        (path, static, set(CODE.findall(body)), calls, members))
                    i = k
            i += 1
    return defs, ops


def reachable_codes(name, defs, ops, memo):
    """Codes on any path of `name` (every definition of that name)."""
    if name in memo:
        return memo[name]
    memo[name] = set()
    seen, todo, codes = set(), [name], set()
    while todo:
        fn = todo.pop()
        if fn in seen:
            continue
        seen.add(fn)
        for _path, _static, c, calls, members in defs.get(fn, []):
            codes |= c
            todo.extend(x for x in calls if x in defs)
            for mem in members:
                todo.extend(x for x in ops.get(mem, ()) if x in defs)
    memo[name] = codes
    return codes


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..')
    docs = parse_docs(root)
    defs, ops = parse_lib(root)
    memo = {}
    problems, checked, pairs = [], 0, 0

    def documented(name, depth=0):
        codes, alike, _ = docs[name]
        codes = set(codes)
        for other in alike:
            if other in docs and other != name and depth < 5:
                codes |= documented(other, depth + 1)
        return codes

    for name in sorted(docs):
        if name not in defs:
            problems.append('%s: documented in %s but not defined in lib/' % (name, docs[name][2]))
            continue
        want = documented(name) - NOT_RETURNED
        have = reachable_codes(name, defs, ops, memo)
        checked += 1
        pairs += len(want)
        for code in sorted(want - have):
            problems.append('%s (%s): documents %s, which no path of the function returns' %
                            (name, docs[name][2], code))
    for p in problems:
        print(p)
    print('error-codes: %d functions, %d documented codes checked, %d mismatches' %
          (checked, pairs, len(problems)))
    if checked < 100:
        print('error-codes: too few functions parsed; the parser is broken')
        return 1
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
