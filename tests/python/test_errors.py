"""Library errors become nst.Error subclasses that are also the matching builtins, with the
library's one-line message; libtorch's c10::Error is mapped too."""

import pytest
import torch

import nst

KINDS = [
    ("usage", nst.UsageError, ValueError),
    ("io", nst.IoError, OSError),
    ("format", nst.FormatError, RuntimeError),
    ("model", nst.ModelError, RuntimeError),
    ("numeric", nst.NumericError, RuntimeError),
    ("resource", nst.ResourceError, MemoryError),
    ("interrupted", nst.AbortedError, RuntimeError),
    ("torch", nst.TorchError, RuntimeError),
]


@pytest.mark.parametrize("kind, cls, builtin", KINDS)
def test_every_error_kind_maps_to_its_class(kind, cls, builtin):
    """Through the real translator (a C++ throw of that kind)."""
    with pytest.raises(cls) as info:
        nst._nst._raise_error(kind, "the one-line message")
    assert isinstance(info.value, nst.Error) and isinstance(info.value, builtin)
    assert str(info.value).endswith("the one-line message") and "\n" not in str(info.value)


def test_unknown_layer_is_a_value_error(content, style, network):
    with pytest.raises(ValueError, match="unknown layer 'relu9_9'") as info:
        nst.stylize(content, style, weights=network, iterations=1, style_layers="relu1_1,relu9_9")
    assert isinstance(info.value, nst.UsageError)


def test_bad_option_values_are_usage_errors(content, style, network):
    for options, message in [({"style_weight": "heavy"}, "style_weight must be float"),
                             ({"iterations": 2.5}, "iterations must be int"),
                             ({"bounds": "fence"}, "fence"),
                             ({"optimizer": "newton"}, "newton"),
                             ({"history": 0}, "history must be between"),
                             ({"device": "cuda:7"} if not torch.cuda.is_available() else {"pooling": "min"}, "")]:
        with pytest.raises(nst.UsageError, match=message):
            nst.stylize(content, style, weights=network, **{"iterations": 1, **options})


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(OSError) as info:
        nst.read_image(tmp_path / "missing.png")
    assert isinstance(info.value, nst.IoError) and "missing.png" in str(info.value)


def test_corrupt_image_is_a_format_error(tmp_path):
    path = tmp_path / "corrupt.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(nst.FormatError):
        nst.read_image(path)


def test_bad_weight_files(tmp_path):
    from conftest import SOURCE_DIR

    with pytest.raises(nst.ModelError, match="0 conv layers"):
        nst.load_weights(str(SOURCE_DIR / "tests/fixtures/misc_reference.safetensors"))  # tensors, but no VGG
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not weights at all" * 10)
    with pytest.raises(nst.FormatError):
        nst.load_weights(str(garbage))


def test_c10_error_is_a_torch_error():
    """A libtorch error from inside the library (a 5-d tensor to resize), first line only."""
    with pytest.raises(nst.TorchError) as info:
        nst._nst.resize_image(torch.rand(1, 3, 8, 8, 2), 4, 4)
    assert "\n" not in str(info.value) and isinstance(info.value, RuntimeError)


def test_weights_not_fetched_and_unknown_names(tmp_path, monkeypatch):
    """A registry name not in the cache is an IoError naming the fetch command; an unknown name
    without a URL is a UsageError (nothing is downloaded in either case)."""
    monkeypatch.setenv("NST_CACHE_DIR", str(tmp_path))
    with pytest.raises(nst.IoError, match="fetch"):
        nst.load_weights("vgg19")
    with pytest.raises(nst.UsageError):
        nst.fetch_weights("no-such-weights")
