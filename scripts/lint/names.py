#!/usr/bin/env python3
"""Lint: a name tells its owner.

  names      no function is defined both in a kernel module and in userspace
             (each component has its own prefix; shared logic lives once in
             include/ and is not a definition of either side)
  includes   no #include "..." cycle among the files of any component

Exit 1 with one line per finding, 0 and a summary line when clean.
"""
import collections
import glob
import os
import re
import sys

KERNEL = ['host-vhost', 'guest-driver']
USER = ['appliance', 'client', 'tools/lib', 'tools/rmemctl', 'tools/rmem-top', 'tests/tools']
COMPONENTS = KERNEL + USER + ['include']
KEYWORDS = {'if', 'for', 'while', 'switch', 'return', 'sizeof'}
# A function definition starts in column 0 and its body's brace follows the
# parameter list (kernel style puts it on the next line).
DEF = re.compile(r'^(?!static_assert)[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\([^;{}]*\)\s*\{', re.M)
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(dirs, exts=('.c',)):
    for d in dirs:
        for f in sorted(glob.glob(os.path.join(d, '*'))):
            if f.endswith(exts):
                yield f


def definitions(dirs):
    found = collections.defaultdict(set)
    for f in sources(dirs):
        for m in DEF.finditer(open(f, encoding='utf-8', errors='replace').read()):
            if m.group(1) not in KEYWORDS:
                found[m.group(1)].add(f)
    return found


def check_names():
    k, u = definitions(KERNEL), definitions(USER)
    bad = sorted(set(k) & set(u))
    for n in bad:
        print(f'lint: names: {n} is defined in {", ".join(sorted(k[n]))} and in {", ".join(sorted(u[n]))}')
    return not bad, f'{len(k)} kernel and {len(u)} userspace functions, no name in both'


def check_includes():
    ok, edges_total = True, 0
    for comp in COMPONENTS:
        files = list(sources([comp], ('.c', '.h')))
        names = {os.path.basename(f): f for f in files}
        graph = {}
        for f in files:
            incs = INC.findall(open(f, encoding='utf-8', errors='replace').read())
            graph[f] = [names[os.path.basename(i)] for i in incs if os.path.basename(i) in names]
            edges_total += len(graph[f])
        state = {}

        def visit(f, path):
            nonlocal ok
            state[f] = 1
            for g in graph[f]:
                if state.get(g) == 1:
                    cyc = path[path.index(g):] + [g]
                    print(f'lint: includes: cycle in {comp}: {" -> ".join(cyc)}')
                    ok = False
                elif g not in state:
                    visit(g, path + [g])
            state[f] = 2

        for f in files:
            if f not in state:
                visit(f, [f])
    return ok, f'{len(COMPONENTS)} components, {edges_total} include edges, no cycle'


if __name__ == '__main__':
    checks = {'names': check_names, 'includes': check_includes}
    which = sys.argv[1:] or list(checks)
    rc = 0
    for c in which:
        good, summary = checks[c]()
        if good:
            print(f'lint: {c}: {summary}')
        else:
            rc = 1
    sys.exit(rc)
