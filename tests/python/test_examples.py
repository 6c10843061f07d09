"""The scripts in examples/python run (tiny sizes, few iterations) and write their images."""

import os
import subprocess
import sys

import nst
from conftest import EXAMPLES, SIZE

SCRIPTS = EXAMPLES / "python"
CONTENT, STYLE = str(EXAMPLES / "chelsea.png"), str(EXAMPLES / "starry_night.jpg")


def run(*args):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, *map(str, args)], check=True, capture_output=True, text=True, env=env)


def test_five_line_example(tmp_path):
    run(SCRIPTS / "stylize.py", CONTENT, STYLE, tmp_path / "out.png", SIZE, 3)
    assert max(nst.read_image(tmp_path / "out.png").shape[1:]) == SIZE


def test_callback_example_stops_at_the_target(tmp_path):
    out = run(SCRIPTS / "callback.py", CONTENT, STYLE, tmp_path / "out.png", 1e9, SIZE).stdout
    assert "stopped by request after 1 iterations" in out and (tmp_path / "out.png").exists()


def test_many_images_example(tmp_path):
    run(SCRIPTS / "many_images.py", STYLE, tmp_path, CONTENT, EXAMPLES / "building.jpg", "--size", SIZE,
        "--iterations", 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["building_styled.png", "chelsea_styled.png"]
