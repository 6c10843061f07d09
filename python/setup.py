"""Builds nst._nst with CMake from the repository's project (the parent folder) against the torch
this Python imports: CMAKE_PREFIX_PATH = torch.utils.cmake_prefix_path when it exists (pip
wheels), else the system libtorch (Debian's python3-torch links libtorch1.13, found by CMake).
Metadata is in pyproject.toml; the version is the CMake project's."""

import os
import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


def project_version():
    return re.search(r"project\(nst VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text()).group(1)


def cmake_arguments():
    import torch
    import torch.utils

    args = [f"-DPython3_EXECUTABLE={sys.executable}", "-DNST_BUILD_PYTHON=ON", "-DNST_BUILD_TESTS=OFF",
            "-DNST_BUILD_BENCH=OFF", "-DCMAKE_BUILD_TYPE=Release"]
    if os.path.isdir(torch.utils.cmake_prefix_path):
        args.append(f"-DCMAKE_PREFIX_PATH={torch.utils.cmake_prefix_path}")
    if torch.version.cuda:
        args.append("-DNST_CUDA=ON")
    try:  # pip's pybind11 (a pip torch); Debian's pybind11-dev is found by CMake itself
        import pybind11

        args.append(f"-Dpybind11_DIR={pybind11.get_cmake_dir()}")
    except ImportError:
        pass
    if shutil.which("ninja"):
        args.append("-GNinja")
    if shutil.which("ccache"):
        args += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
    return args


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = pathlib.Path(os.environ.get("NST_PYTHON_BUILD_DIR", ROOT / "build-python")).resolve()
        subprocess.check_call(["cmake", "-S", str(ROOT), "-B", str(build_dir), *cmake_arguments()])
        jobs = os.environ.get("NST_BUILD_JOBS", str(os.cpu_count() or 1))
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "nst_python", "--parallel", jobs])
        built = next((build_dir / "python" / "nst").glob("_nst*.so"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(version=project_version(), ext_modules=[Extension("nst._nst", sources=[])], cmdclass={"build_ext": CMakeBuild})
