"""Each input kind comes back as the same kind: dtype, shape (rank), device and [0,1] range kept."""

import numpy as np
import pytest
import torch
from PIL import Image

import nst

RUN = dict(iterations=2, seed=0)


def test_tensor_chw_and_nchw_keep_rank_dtype_and_range(content, style, network):
    for image in (content, content.unsqueeze(0), content.double()):
        out = nst.stylize(image, style, weights=network, **RUN)
        assert isinstance(out, torch.Tensor)
        assert out.shape == image.shape and out.dtype == image.dtype and out.device == image.device
        assert 0.0 <= float(out.min()) and float(out.max()) <= 1.0
        assert not torch.equal(out.float().reshape(content.shape), content)  # it did optimize


def test_tensor_input_is_not_modified_or_copied_into(content, style, network):
    before = content.clone()
    nst.stylize(content, style, weights=network, **RUN)
    assert torch.equal(content, before)


def test_numpy_uint8_and_float_round_trip(content, style, network):
    hwc = content.permute(1, 2, 0).numpy()
    u8 = (hwc * 255).round().astype(np.uint8)
    for image in (u8, hwc.astype(np.float32), hwc.astype(np.float64)):
        out = nst.stylize(image, style, weights=network, **RUN)
        assert isinstance(out, np.ndarray) and out.dtype == image.dtype and out.shape == image.shape
        assert out.min() >= 0 and out.max() <= (255 if image.dtype == np.uint8 else 1.0)


def test_pil_round_trip(content, style, network):
    u8 = (content.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    for image in (Image.fromarray(u8, "RGB"), Image.fromarray(u8, "RGB").convert("L")):
        out = nst.stylize(image, Image.fromarray(u8), weights=network, **RUN)
        assert isinstance(out, Image.Image) and out.mode == "RGB" and out.size == image.size


def test_kinds_give_the_same_image(content, style, network):
    """A uint8 array and the tensor of the same pixels give the same result (the kind is only packaging)."""
    u8 = nst._images.quantize(content.permute(1, 2, 0)).numpy()
    from_array = nst.stylize(u8, style, weights=network, **RUN)
    from_tensor = nst.stylize(torch.from_numpy(u8).permute(2, 0, 1).float() / 255, style, weights=network, **RUN)
    assert np.array_equal(from_array, nst._images.quantize(from_tensor.permute(1, 2, 0)).numpy())


def test_size_resizes_the_longest_side(content, style, network):
    out = nst.stylize(content, style, weights=network, size=64, **RUN)
    assert max(out.shape[1:]) == 64


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_tensor_comes_back_on_its_device(content, style):
    out = nst.stylize(content.cuda(), style.cuda(), **RUN)
    assert out.device == content.cuda().device


@pytest.mark.parametrize("bad, message", [
    (torch.zeros(2, 3, 8, 8), "3xHxW"),
    (torch.zeros(3, 8, 8, dtype=torch.uint8), "float tensor"),
    (torch.full((3, 8, 8), 2.0), "[0, 1]"),
    (np.zeros((8, 8, 5), np.uint8), "HxWx3"),
    ("not an image", "torch.Tensor"),
])
def test_bad_images_are_usage_errors(style, bad, message):
    with pytest.raises(nst.UsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
        nst.stylize(bad, style, iterations=1)


def test_init_image_of_any_kind_and_file(content, style, network):
    """init= takes an image of any kind (or a file, as the CLI's --init FILE)."""
    from conftest import EXAMPLES

    u8 = nst._images.quantize(style.permute(1, 2, 0)).numpy()
    first = []
    for init in (u8, str(EXAMPLES / "starry_night.jpg")):
        nst.stylize(content, style, weights=network, iterations=1, init=init, callback_image=True,
                    callback=lambda r: first.append(r.image))
    assert len(first) == 2 and all(i.shape == content.shape for i in first)
