"""Builds admit._core with the repository's CMake build (pybind/cmake_example style).

    python3 -m venv --system-site-packages .venv
    .venv/bin/pip install --no-build-isolation --no-index ./bindings/python

The extension is the CMake target `_core` (bindings/python/CMakeLists.txt), linked statically to the
admit library; CMake writes it straight into the package directory setuptools is assembling.
Environment: CMAKE_BUILD_PARALLEL_LEVEL (jobs), ADMIT_CMAKE_ARGS (extra -D options).
"""

import os
import shlex
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent  # the repository: CMakeLists.txt, src/, include/


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        if not (ROOT / "CMakeLists.txt").is_file():
            raise RuntimeError(f"admit: the repository root was not found at {ROOT}; install from a clone")
        extdir = Path(self.get_ext_fullpath(ext.name)).resolve().parent
        build_temp = Path(self.build_temp).resolve() / "cmake"
        build_temp.mkdir(parents=True, exist_ok=True)
        config = "Debug" if self.debug else "Release"
        args = [
            f"-DPython_EXECUTABLE={sys.executable}",
            f"-DCMAKE_BUILD_TYPE={config}",
            f"-DADMIT_PYTHON_OUTPUT_DIR={extdir}",
            "-DADMIT_BUILD_PYTHON=ON",
            "-DADMIT_BUILD_TESTS=OFF",
            "-DADMIT_BUILD_CLI=OFF",
            "-DADMIT_BUILD_BENCHMARKS=OFF",
            "-DADMIT_INSTALL=OFF",
        ]
        try:
            if subprocess.run(["ninja", "--version"], capture_output=True).returncode == 0:
                args += ["-G", "Ninja"]
        except OSError:
            pass  # no ninja: CMake's default generator
        args += shlex.split(os.environ.get("ADMIT_CMAKE_ARGS", ""))
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_temp), *args], check=True)
        build = ["cmake", "--build", str(build_temp), "--target", "_core"]
        if "CMAKE_BUILD_PARALLEL_LEVEL" not in os.environ:
            build += ["-j", str(os.cpu_count() or 2)]
        subprocess.run(build, check=True)


setup(
    ext_modules=[CMakeExtension("admit._core")],
    cmdclass={"build_ext": CMakeBuild},
)
