"""nst.Network: loaded once, reused by many runs with the same results; memory stays flat over
50 runs; a weight file takes the trained-VGG defaults, as in the CLI."""

import resource

import pytest
import torch

import nst


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def test_reuse_gives_the_same_result(content, style, network):
    a = nst.stylize(content, style, weights=network, iterations=3, seed=1, init="noise")
    b = nst.stylize(content, style, weights=network, iterations=3, seed=1, init="noise")
    c = nst.stylize(content, style, weights=nst.Network(), iterations=3, seed=1, init="noise")
    assert torch.equal(a, b) and torch.equal(a, c)


def test_memory_does_not_grow_over_50_runs(content, style, network):
    small_c, small_s = content[:, :32, :32].contiguous(), style[:, :32, :32].contiguous()

    def run():
        nst.stylize(small_c, small_s, weights=network, iterations=2)

    for _ in range(5):  # warm up the allocator and libtorch's caches
        run()
    before = rss_mib()
    for _ in range(50):
        run()
    grown = rss_mib() - before
    assert grown < 20, f"resident memory grew {grown:.1f} MiB over 50 runs"


def test_network_properties(network):
    assert network.model == "vgg19" and not network.trained and "relu5_1" in network.layers
    assert "embedded" in repr(network)


def test_weight_file_takes_trained_defaults(content, style):
    from conftest import SOURCE_DIR

    net = nst.load_weights(str(SOURCE_DIR / "tests/fixtures/vgg19_narrow_reference.safetensors"))
    assert net.trained
    result = nst.stylize(content, style, weights=net, iterations=2, full_result=True)
    assert "content:" + nst.defaults("stylize", trained=True)["content_layers"][0] in result.parts


def test_model_with_a_network_is_refused(content, style, network):
    with pytest.raises(nst.UsageError, match="model and preprocess"):
        nst.stylize(content, style, weights=network, model="vgg16", iterations=1)
