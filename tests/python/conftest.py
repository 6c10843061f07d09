"""Shared fixtures of the Python tests: tiny real images (examples/, 48 px), one embedded network,
the CLI built next to the module (NST_CLI), one thread so that runs are deterministic and the
Python and CLI runs compute alike."""

import os
import pathlib

import pytest
import torch

import nst

SOURCE_DIR = pathlib.Path(os.environ.get("NST_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EXAMPLES = SOURCE_DIR / "examples"
SIZE = 48  # the deepest default layer (relu5_1) needs a 32 px shorter side

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def content():
    return nst.read_image(EXAMPLES / "chelsea.png", SIZE)


@pytest.fixture(scope="session")
def style():
    return nst.read_image(EXAMPLES / "starry_night.jpg", SIZE)


@pytest.fixture(scope="session")
def network():
    return nst.Network()


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("NST_CLI")
    if not path or not os.path.exists(path):
        pytest.skip("NST_CLI (the nst executable) not set; run through ctest")
    return path
