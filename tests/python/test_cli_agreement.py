"""A Python run and a CLI run with the same options and seed write the same image, byte for byte
(same library, same inputs read by the same reader, one thread each)."""

import subprocess

import nst
from conftest import EXAMPLES, SIZE

OPTIONS = dict(iterations=8, seed=3, init="noise", tv_weight=1.0)
FLAGS = ["--iterations", "8", "--seed", "3", "--init", "noise", "--tv-weight", "1"]


def test_stylize_equals_nst_style(cli, tmp_path):
    content, style = EXAMPLES / "chelsea.png", EXAMPLES / "starry_night.jpg"
    subprocess.run([cli, "style", "-c", content, "-s", style, "--size", str(SIZE), "--threads", "1",
                    "-o", tmp_path / "cli.png", *FLAGS], check=True, capture_output=True)
    out = nst.stylize(nst.read_image(content, SIZE), nst.read_image(style, SIZE), threads=1, **OPTIONS)
    nst.write_image(out, tmp_path / "python.png")
    assert (tmp_path / "python.png").read_bytes() == (tmp_path / "cli.png").read_bytes()


def test_invert_equals_nst_invert(cli, tmp_path):
    image = EXAMPLES / "chelsea.png"
    subprocess.run([cli, "invert", "-i", image, "--layer", "relu3_1", "--size", str(SIZE), "--iterations", "6",
                    "--threads", "1", "-o", tmp_path / "cli.png"], check=True, capture_output=True)
    out = nst.invert(nst.read_image(image, SIZE), "relu3_1", iterations=6, threads=1)
    nst.write_image(out, tmp_path / "python.png")
    assert (tmp_path / "python.png").read_bytes() == (tmp_path / "cli.png").read_bytes()


def test_score_equals_nst_score(cli, tmp_path):
    import json

    content, style = EXAMPLES / "chelsea.png", EXAMPLES / "starry_night.jpg"
    out = subprocess.run([cli, "score", "-c", content, "-s", style, "--size", str(SIZE), "--threads", "1", "--json",
                          content], check=True, capture_output=True, text=True)
    expected = json.loads(out.stdout)
    got = nst.score(nst.read_image(content, SIZE), nst.read_image(content, SIZE), nst.read_image(style, SIZE))
    assert got["style"] == expected["style"] and got["content"] == expected["content"]
    assert got["style_sliced"] == expected["style_sliced"]


def test_judge_scores_many_images_as_nst_score(cli):
    """One nst.Judge for several images gives what nst score prints for each (one process, many IMAGEs)."""
    import json

    content, style = EXAMPLES / "chelsea.png", EXAMPLES / "starry_night.jpg"
    images = [content, style, EXAMPLES / "building.jpg"]
    out = subprocess.run([cli, "score", "-c", content, "-s", style, "--size", str(SIZE), "--threads", "1", "--json",
                          *images], check=True, capture_output=True, text=True)
    expected = [json.loads(line) for line in out.stdout.splitlines()]
    judge = nst.Judge(nst.read_image(content, SIZE), nst.read_image(style, SIZE))
    for image, want in zip(images, expected):
        got = judge.score(nst.read_image(image, SIZE))
        assert (got["style"], got["content"], got["style_sliced"]) == (want["style"], want["content"],
                                                                   want["style_sliced"]), image
