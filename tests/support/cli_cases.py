"""The harness shared by the command-line test scripts (tests/cli/check_cli.py,
tests/analysis/check_analysis_cli.py): each script registers its cases with `@cases.case`, and CMake
registers one ctest test per case.

    SCRIPT --list                      print the case names (a CMake list)
    SCRIPT ADMIT_BINARY SOURCE_DIR CASE run one case with the source tree as working directory
"""
import os
import sys


class Failure(Exception):
    """A case's expectation that did not hold (the message says which and shows the output)."""


class Cases:
    def __init__(self):
        self.cases = {}
        self.admit = None  # absolute path of the binary under test, set by main()

    def case(self, fn):
        self.cases[fn.__name__] = fn
        return fn

    def main(self, argv, usage):
        if len(argv) == 2 and argv[1] == "--list":
            print(";".join(self.cases))
            return 0
        if len(argv) != 4 or argv[3] not in self.cases:
            print(usage, file=sys.stderr)
            return 1
        self.admit = os.path.abspath(argv[1])
        os.chdir(argv[2])
        try:
            self.cases[argv[3]]()
        except Failure as e:
            print(f"FAILED {argv[3]}: {e}", file=sys.stderr)
            return 1
        print(f"ok {argv[3]}")
        return 0
