#!/usr/bin/python3
"""Keeps src/ in its three groups: exits 1 and names each violation.

Rules (docs/architecture.md, "Layout and dependency rules"):
  1. An include names a file under src/ by its full path from src/.
  2. The kit (src/kit/) includes neither product; vaultkeep (src/vaultkeep/)
     and minivault (src/minivault/) never include each other; nothing
     outside src/vaultkeep/cli/ includes it.
  3. A module includes only itself and the modules its CMakeLists.txt
     declares (DEPS, or TEST_DEPS for its tests): no edge that works only
     because a dependency happens to link it.
  4. Only the CLI (src/vaultkeep/cli/), program mains (main.cc, and
     minivault's dev program) and tests write to stdout; everything else
     reports through return values and logs through spdlog (stderr). A line
     that hands the stdout descriptor to a caller on purpose says so with
     the comment `layout: stdout`.
  5. Test fakes live in the test-only modules src/<group>/testing/: no
     production (non-test) file includes one, and no production library
     names one in its DEPS (tests name it in TEST_DEPS). Test code is a
     `*_test.cc` file, a `*_test_util.h` fixture header beside tests, or a
     file of a testing module; tests/, fuzz targets
     and benchmarks are outside src/ and not checked.

usage: check_layout.py [--root DIR]   (default: the repository of this file)
"""
import os
import re
import sys

GROUPS = ("kit", "vaultkeep", "minivault")
TESTING = "testing"  # src/<group>/testing/: the test-only modules
STDOUT_OK_DIRS = ("vaultkeep/cli/", "minivault/dev/")
STDOUT_RE = re.compile(
    r"\bstd::cout\b|(?<![\w])printf\s*\(|\bputs\s*\(|\bputchar\s*\("
    r"|\bstdout\b|\bSTDOUT_FILENO\b|\bfmt::print\s*\((?!\s*stderr)"
    r"|\b(?:write|FdSink)\s*\(\s*1\s*,")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def strip_code(text):
    """Removes comments and string/char literals, keeping line breaks (so
    line numbers stay right) and the `layout: stdout` marker."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            if "layout: stdout" in text[i:j]:
                out.append("/*ALLOW*/")
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c in "\"'":
            if c == '"' and text[max(0, i - 1)] == "R":  # raw string R"x(...)x"
                k = text.find("(", i)
                delim = ")" + text[i + 1:k] + '"'
                j = text.find(delim, k)
                j = n if j < 0 else j + len(delim)
            else:
                j = i + 1
                while j < n and text[j] != c:
                    j += 2 if text[j] == "\\" else 1
                j += 1
            out.append(c + c + "\n" * text.count("\n", i, j))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def cmake_modules(src):
    """dir (relative to src/) -> (target, deps, test_deps, test_sources)."""
    mods = {}
    for root, _, files in os.walk(src):
        if "CMakeLists.txt" not in files:
            continue
        rel = os.path.relpath(root, src)
        if rel.count(os.sep) != 1:
            continue
        text = re.sub(r"#.*", "", open(os.path.join(root, "CMakeLists.txt")).read())
        m = re.search(r"vk_module\((\w+)(.*?)\)", text, re.S)
        if m:
            body = m.group(2).split()
            sections, cur = {}, None
            for w in body:
                if w in ("SOURCES", "DEPS", "TESTS", "TEST_DEPS"):
                    cur = w
                    sections.setdefault(w, [])
                elif cur:
                    sections[cur].append(w)
            mods[rel] = ("vk_" + m.group(1), set(sections.get("DEPS", [])),
                         set(sections.get("TEST_DEPS", [])),
                         set(sections.get("TESTS", [])))
            continue
        # A hand-written CMakeLists.txt: its library, else its program.
        made = re.search(r"add_library\((\w+)", text) or \
            re.search(r"add_executable\((\w+)", text)
        if not made:
            continue
        target, deps = made.group(1), set()
        for t in re.finditer(r"target_link_libraries\((\w+)\s+(?:PUBLIC|PRIVATE)(.*?)\)",
                             text, re.S):
            if t.group(1) == target:
                deps |= set(t.group(2).split())
        mods[rel] = (target, deps, set(), set())
    return mods


def is_testing(module):
    """Whether a module ("<group>/<name>") is a test-only one."""
    return module.split("/")[-1] == TESTING


def check(root):
    src = os.path.join(root, "src")
    problems = []
    mods = cmake_modules(src)
    target_of = {d: m[0] for d, m in mods.items()}
    testing_targets = {t: d for d, t in target_of.items() if is_testing(d)}
    for module, (target, deps, _, _) in sorted(mods.items()):
        if is_testing(module):
            continue
        for dep in sorted(deps & testing_targets.keys()):
            problems.append(
                f"src/{module}/CMakeLists.txt: production library {target} links "
                f"the testing module {dep}; tests name it in TEST_DEPS")
    for dirpath, _, files in os.walk(src):
        for f in sorted(files):
            if not f.endswith((".cc", ".h")):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, src).replace(os.sep, "/")
            parts = rel.split("/")
            if len(parts) != 3 or parts[0] not in GROUPS:
                problems.append(f"src/{rel}: a source file belongs in "
                                "src/<kit|vaultkeep|minivault>/<module>/")
                continue
            group, module = parts[0], "/".join(parts[:2])
            text = open(path, encoding="utf-8").read()
            is_test = f.endswith(("_test.cc", "_test_util.h")) or is_testing(module)
            for m in INCLUDE_RE.finditer(text):
                inc = m.group(1)
                line = text.count("\n", 0, m.start()) + 1
                where = f"src/{rel}:{line}"
                if not os.path.isfile(os.path.join(src, inc)):
                    problems.append(f'{where}: #include "{inc}" does not name a file '
                                    "by its path from src/")
                    continue
                ig = inc.split("/")[0]
                imod = "/".join(inc.split("/")[:2])
                if group == "kit" and ig != "kit":
                    problems.append(f"{where}: the kit must not include {ig} ({inc})")
                elif {group, ig} == {"vaultkeep", "minivault"}:
                    problems.append(f"{where}: {group} must not include {ig} ({inc})")
                elif imod == "vaultkeep/cli" and module != "vaultkeep/cli":
                    problems.append(f"{where}: nothing outside the CLI includes it ({inc})")
                elif is_testing(imod) and not is_test:
                    problems.append(f"{where}: production code includes the testing "
                                    f"module {imod} ({inc}); only tests do")
                if imod == module or module not in mods or imod not in target_of:
                    continue
                target, deps, test_deps, tests = mods[module]
                allowed = deps | (test_deps if (f in tests or is_test) else set())
                if target_of[imod] not in allowed:
                    problems.append(
                        f"{where}: includes {inc} but src/{module}/CMakeLists.txt "
                        f"does not declare {target_of[imod]}")
            if is_test or rel.startswith(STDOUT_OK_DIRS) or f == "main.cc":
                continue
            for n, code in enumerate(strip_code(text).split("\n"), 1):
                if "/*ALLOW*/" in code:
                    continue
                hit = STDOUT_RE.search(code)
                if hit:
                    problems.append(f"src/{rel}:{n}: writes to stdout ({hit.group(0).rstrip(' (')}); "
                                    "only the CLI and program mains print")
    return problems


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if len(argv) == 3 and argv[1] == "--root":
        root = argv[2]
    elif len(argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    problems = check(root)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"layout check: {len(problems)} problems", file=sys.stderr)
        return 1
    print("layout check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
