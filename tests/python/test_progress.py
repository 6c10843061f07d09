"""The per-iteration callback: every iteration seen, stopping by returning False, the current image
on request, exceptions passed through, and the progress bar."""

import numpy as np
import pytest

import nst

ITERATIONS = 6


def test_callback_sees_every_iteration(content, style, network):
    reports = []
    result = nst.stylize(content, style, weights=network, iterations=ITERATIONS, callback=reports.append,
                         full_result=True)
    assert [r.iteration for r in reports] == list(range(1, ITERATIONS + 1))
    assert all(r.total_iterations == ITERATIONS and r.image is None for r in reports)
    assert reports[-1].loss == pytest.approx(result.loss)
    assert {"tv"} <= set(reports[-1].parts) and any(k.startswith("style:") for k in reports[-1].parts)
    assert all(b.seconds >= a.seconds for a, b in zip(reports, reports[1:]))


def test_returning_false_stops_the_run(content, style, network):
    seen = []
    result = nst.stylize(content, style, weights=network, iterations=50, full_result=True,
                         callback=lambda r: seen.append(r.iteration) or r.iteration < 3)
    assert seen == [1, 2, 3] and result.iterations == 3 and result.stop == "stopped by request"


def test_callback_image_is_of_the_input_kind(content, style, network):
    u8 = nst._images.quantize(content.permute(1, 2, 0)).numpy()
    images = []
    nst.stylize(u8, style, weights=network, iterations=2, callback_image=True,
                callback=lambda r: images.append(r.image))
    assert len(images) == 2 and all(isinstance(i, np.ndarray) and i.shape == u8.shape for i in images)
    assert not np.array_equal(images[0], images[1])  # a copy per iteration, not one buffer


def test_exception_in_callback_propagates(content, style, network):
    def boom(report):
        raise LookupError("from the callback")

    with pytest.raises(LookupError, match="from the callback"):
        nst.stylize(content, style, weights=network, iterations=5, callback=boom)


def test_progress_bar(content, style, network, capsys):
    nst.stylize(content, style, weights=network, iterations=3, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err


def test_invert_callback(content, network):
    seen = []
    nst.invert(content, "relu2_1", weights=network, iterations=4, callback=lambda r: seen.append(r.parts))
    assert len(seen) == 4 and any(k.startswith("feature:") for k in seen[0])


def test_progress_without_tqdm_prints_lines(content, style, network, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails as if tqdm were not installed
    nst.stylize(content, style, weights=network, iterations=4, progress=True)
    err = capsys.readouterr().err
    assert "nst: iteration 1/4" in err and "nst: iteration 4/4" in err
