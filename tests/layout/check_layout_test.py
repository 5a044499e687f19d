#!/usr/bin/python3
"""tools/check_layout.py: each rule fails on a tree that breaks it, and the
real tree passes."""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "tools", "check_layout.py")


def run(root):
    p = subprocess.run([sys.executable, CHECK, "--root", root],
                       capture_output=True, text=True)
    return p.returncode, p.stderr


class LayoutCheck(unittest.TestCase):
    def tree(self, files):
        d = tempfile.mkdtemp(prefix="layout-")
        self.addCleanup(subprocess.run, ["rm", "-rf", d])
        base = {
            "src/kit/base/CMakeLists.txt": "vk_module(base SOURCES a.cc)",
            "src/kit/base/a.h": "#ifndef A\n#define A\n#endif\n",
            "src/kit/base/a.cc": '#include "kit/base/a.h"\n',
            "src/vaultkeep/repo/CMakeLists.txt":
                "vk_module(repo SOURCES r.cc DEPS vk_base)",
            "src/vaultkeep/repo/r.h": "",
            "src/vaultkeep/repo/r.cc": '#include "kit/base/a.h"\n',
            "src/vaultkeep/cli/CMakeLists.txt":
                "add_library(vk_cli c.cc)\n"
                "target_link_libraries(vk_cli PUBLIC vk_repo vk_base)",
            "src/vaultkeep/cli/c.h": "",
            "src/vaultkeep/cli/c.cc":
                '#include "vaultkeep/repo/r.h"\n#include <cstdio>\n'
                'void f() { std::printf("ok\\n"); }\n',
            "src/minivault/raft/CMakeLists.txt":
                "vk_module(raft SOURCES m.cc DEPS vk_base)",
            "src/minivault/raft/m.h": "",
            "src/minivault/raft/m.cc": "// printf( in a comment is fine\n"
                                        'const char* s = "stdout";\n',
        }
        base.update(files)
        for path, text in base.items():
            full = os.path.join(d, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(textwrap.dedent(text))
        return d

    def assert_fails(self, files, *words):
        code, err = run(self.tree(files))
        self.assertEqual(code, 1, err)
        for w in words:
            self.assertIn(w, err)

    def test_clean_tree_passes(self):
        code, err = run(self.tree({}))
        self.assertEqual(code, 0, err)

    def test_real_tree_passes(self):
        code, err = run(ROOT)
        self.assertEqual(code, 0, err)

    def test_kit_includes_a_product(self):
        self.assert_fails({"src/kit/base/a.cc": '#include "vaultkeep/repo/r.h"\n'},
                          "src/kit/base/a.cc:1", "the kit must not include vaultkeep")

    def test_products_include_each_other(self):
        self.assert_fails({"src/vaultkeep/repo/r.cc": '#include "minivault/raft/m.h"\n'},
                          "vaultkeep must not include minivault")
        self.assert_fails({"src/minivault/raft/m.cc": '#include "vaultkeep/repo/r.h"\n'},
                          "minivault must not include vaultkeep")

    def test_nothing_includes_the_cli(self):
        self.assert_fails({"src/vaultkeep/repo/r.cc": '#include "vaultkeep/cli/c.h"\n'},
                          "nothing outside the CLI includes it")

    def test_undeclared_dependency(self):
        self.assert_fails(
            {"src/vaultkeep/repo/CMakeLists.txt": "vk_module(repo SOURCES r.cc)"},
            "src/vaultkeep/repo/r.cc:1", "does not declare vk_base")

    def test_include_not_from_src(self):
        self.assert_fails({"src/vaultkeep/repo/r.cc": '#include "base/a.h"\n'},
                          "does not name a file by its path from src/")

    TESTING = {
        "src/vaultkeep/testing/CMakeLists.txt":
            "vk_module(vaultkeep_testing DEPS vk_repo)",
        "src/vaultkeep/testing/fake.h": '#include "vaultkeep/repo/r.h"\n',
    }

    def test_production_code_includes_a_testing_module(self):
        files = dict(self.TESTING)
        files.update({
            "src/vaultkeep/repo/CMakeLists.txt":
                "vk_module(repo SOURCES r.cc DEPS vk_base TESTS r_test.cc "
                "TEST_DEPS vk_vaultkeep_testing)",
            "src/vaultkeep/repo/r.cc":
                '#include "kit/base/a.h"\n#include "vaultkeep/testing/fake.h"\n',
        })
        self.assert_fails(files, "src/vaultkeep/repo/r.cc:2",
                          "production code includes the testing module "
                          "vaultkeep/testing")

    def test_production_library_links_a_testing_module(self):
        files = dict(self.TESTING)
        files["src/vaultkeep/repo/CMakeLists.txt"] = (
            "vk_module(repo SOURCES r.cc DEPS vk_base vk_vaultkeep_testing)")
        self.assert_fails(files, "src/vaultkeep/repo/CMakeLists.txt",
                          "production library vk_repo links the testing module "
                          "vk_vaultkeep_testing")

    def test_tests_use_testing_modules(self):
        files = dict(self.TESTING)
        files.update({
            "src/vaultkeep/repo/CMakeLists.txt":
                "vk_module(repo SOURCES r.cc DEPS vk_base TESTS r_test.cc "
                "TEST_DEPS vk_vaultkeep_testing)",
            "src/vaultkeep/repo/r_test.cc": '#include "vaultkeep/testing/fake.h"\n',
        })
        code, err = run(self.tree(files))
        self.assertEqual(code, 0, err)

    def test_stdout_outside_the_cli(self):
        for code in ('std::cout << "x";', 'printf("x");', 'puts("x");',
                     'fprintf(stdout, "x");', "write(1, p, n);",
                     'fmt::print("{}", x);', "int fd = STDOUT_FILENO;"):
            with self.subTest(code=code):
                self.assert_fails({"src/minivault/raft/m.cc": code + "\n"},
                                  "src/minivault/raft/m.cc:1", "writes to stdout")

    def test_stdout_allowed_where_it_belongs(self):
        code, err = run(self.tree({
            "src/minivault/raft/m.cc":
                "int fd = STDOUT_FILENO;  // layout: stdout\n"
                'void g() { fmt::print(stderr, "x"); std::snprintf(b, 1, "x"); }\n',
            "src/minivault/raft/m_test.cc": 'void t() { printf("x"); }\n',
        }))
        self.assertEqual(code, 0, err)


if __name__ == "__main__":
    unittest.main()
