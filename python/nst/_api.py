"""The tasks: stylize, invert, score, plan, and the weights. Each converts its images, hands the
options (keywords named like the CLI's flags) to the native module, and converts the result back."""

from dataclasses import dataclass, field
from typing import Any, Dict

import torch

from . import _nst
from ._errors import Interrupted, UsageError
from ._images import fit_longest, from_tensor, to_tensor
from ._progress import Progress
from ._signature import document, invert_keywords, plan_keywords, score_keywords, style_keywords

Network = _nst.Network

_EMBEDDED = "embedded"
_embedded_networks: Dict[str, Any] = {}


@dataclass
class Result:
    """What a run produced (with full_result=True)."""

    image: Any  #: the result, as the input's kind
    loss: float  #: total weighted loss at the last iteration
    parts: Dict[str, float]  #: weighted loss per term
    iterations: int  #: iterations run
    seconds: float  #: optimization wall time
    stop: str  #: why it stopped ("iterations done", "stopped by request", ...)
    message: str = ""  #: e.g. the optimizer's failure reason
    extra: Dict[str, Any] = field(default_factory=dict)  #: invert: feature_loss, psnr, stalls, blurs, resets


def load_weights(path_or_name: str, model=None, preprocess=None):
    """An nst.Network from "embedded", a fetched name (see fetch_weights) or a weight file."""
    kwargs = {k: v for k, v in (("model", model), ("preprocess", preprocess)) if v is not None}
    return Network(path_or_name, **kwargs)


def fetch_weights(name: str, **options) -> str:
    """Downloads a well-known VGG weight file into the cache (as `nst weights fetch NAME`) and
    returns its path; a verified cached copy is not downloaded again. Options: url, sha256,
    preprocess (custom names), cache_dir, force."""
    return _nst.fetch_weights(name, **options)["path"]


def _network(weights, model, preprocess):
    if isinstance(weights, Network):
        if model is not None or preprocess is not None:
            raise UsageError("model and preprocess apply to a weights name or file, not to an nst.Network")
        return weights
    if not isinstance(weights, str):
        raise UsageError(f"weights must be 'embedded', a name, a file or an nst.Network, got {type(weights).__name__}")
    if weights == _EMBEDDED and preprocess is None:
        # The embedded network is built once per model (it takes a moment to calibrate).
        key = model or ""
        if key not in _embedded_networks:
            _embedded_networks[key] = load_weights(_EMBEDDED, model)
        return _embedded_networks[key]
    return load_weights(weights, model, preprocess)


def _native_options(options, keywords, task, device_of):
    keywords.check(options, task)
    native = dict(options)
    init = native.get("init")
    if init is not None and not isinstance(init, str):
        native["init"] = to_tensor(init, "init")[0]
    if native.get("device") is None:
        native["device"] = str(device_of) if device_of.type != "cpu" else None
    return native


def _configure(threads):
    if threads is not None:
        _nst.configure_runtime(threads)


def _run(native_run, kind, callback, callback_image, progress, full_result, finish=None):
    listener = Progress(callback, progress, kind)
    try:
        raw = native_run(listener.native(), bool(callback_image and callback is not None))
    finally:
        listener.close()
    image = raw["image"] if finish is None else finish(raw["image"])
    extra = {k: raw[k] for k in ("feature_loss", "psnr", "stalls", "blurs", "resets") if k in raw}
    result = Result(from_tensor(image, kind), raw["loss"], raw["parts"], raw["iteration"], raw["seconds"],
                    raw["stop"], raw["message"], extra)
    if raw["interrupted"]:
        raise Interrupted(f"nst: interrupted after {result.iterations} iterations; the latest image is in .image",
                          result.image, result)
    return result if full_result else result.image


def stylize(content, style, *, weights=_EMBEDDED, model=None, preprocess=None, size=None, style_scale=1.0,
            original_colors=False, threads=None, callback=None, callback_image=False, progress=False,
            full_result=False, **options):
    content_t, kind = to_tensor(content, "content")
    style_ts = [to_tensor(s, "style")[0] for s in _style_list(style)]
    if size is not None:
        content_t = fit_longest(content_t, size)
        style_side = max(16, round(size * style_scale))
        style_ts = [fit_longest(s, style_side, "size * style_scale") for s in style_ts]
    elif style_scale != 1.0:
        style_ts = [fit_longest(s, max(16, round(max(s.shape[2:]) * style_scale)), "style_scale") for s in style_ts]
    native = _native_options(options, _STYLE, "stylize", content_t.device)
    network = _network(weights, model, preprocess)
    _configure(threads)

    def finish(image):
        return _nst.transfer_original_colors(content_t, image) if original_colors else image

    return _run(lambda cb, with_image: _nst.run_style(network, content_t, style_ts, native, cb, with_image), kind,
                callback, callback_image, progress, full_result, finish)


def invert(image, layers=None, *, weights=_EMBEDDED, model=None, preprocess=None, size=None, threads=None,
           callback=None, callback_image=False, progress=False, full_result=False, **options):
    image_t, kind = to_tensor(image, "image")
    if size is not None:
        image_t = fit_longest(image_t, size)
    if layers is not None:
        options["layers"] = layers
    native = _native_options(options, _INVERT, "invert", image_t.device)
    network = _network(weights, model, preprocess)
    _configure(threads)
    return _run(lambda cb, with_image: _nst.run_invert(network, image_t, native, cb, with_image), kind, callback,
                callback_image, progress, full_result)


class Judge:
    def __init__(self, content, style, *, weights=_EMBEDDED, size=None, threads=None, **options):
        content_t = to_tensor(content, "content")[0]
        style_ts = [to_tensor(s, "style")[0] for s in _style_list(style)]
        if size is not None:
            content_t = fit_longest(content_t, size)
        # As nst score: the styles are read at the content's longest side.
        side = max(content_t.shape[2:])
        style_ts = [fit_longest(s, side) for s in style_ts]
        _SCORE.check(options, "score")
        network = None
        if not (isinstance(weights, str) and weights == _EMBEDDED):
            network = _network(weights, options.get("model"), None)
        _configure(threads)
        self._judge = _nst.Judge(content_t.cpu(), [s.cpu() for s in style_ts], options, network)

    def score(self, image) -> Dict[str, Any]:
        """Scores one image (resized to the content's size when it differs); see nst.score."""
        return self._judge.score(to_tensor(image, "image")[0].cpu())

    @property
    def size(self):
        """(height, width) at which images are scored: the content's."""
        return self._judge.height, self._judge.width


def score(image, content, style, *, weights=_EMBEDDED, size=None, threads=None, **options) -> Dict[str, Any]:
    image_t = to_tensor(image, "image")[0]
    # As nst score: content and styles at one longest side, by default the image's own.
    side = size if size is not None else max(image_t.shape[2:])
    return Judge(content, style, weights=weights, size=side, threads=threads, **options).score(image_t)


def _style_list(style):
    styles = list(style) if isinstance(style, (list, tuple)) else [style]
    if not styles:
        raise UsageError("at least one style image is needed")
    return styles


def plan(size, *, style_size=None, weights=_EMBEDDED, model=None, memory_limit=0.0, **options) -> Dict[str, Any]:
    width, height = _size_pair(size, "size")
    style_width, style_height = (width, height) if style_size is None else _size_pair(style_size, "style_size")
    _PLAN.check(options, "plan")
    model = _nst.default_model if model is None else model
    return _nst.plan(width, height, style_width, style_height, options, weights, model, float(memory_limit))


def _size_pair(size, what):
    """W, "W", "WxH" or (W, H) -> (W, H), as nst plan --size."""
    if isinstance(size, int) and not isinstance(size, bool):
        return size, size
    if isinstance(size, str):
        parts = size.lower().split("x")
        if 1 <= len(parts) <= 2 and all(p.strip().isdigit() for p in parts):
            w = int(parts[0])
            return w, int(parts[-1])
    if isinstance(size, (tuple, list)) and len(size) == 2 and all(isinstance(v, int) for v in size):
        return size[0], size[1]
    raise UsageError(f"{what} must be W, 'WxH' or (W, H) in px, got {size!r}")


_STYLE = style_keywords()
_INVERT = invert_keywords()
_SCORE = score_keywords()
_PLAN = plan_keywords()

document(stylize, _STYLE, """
    Neural style transfer (Gatys et al.): an image with the content of `content` and the style
    of `style` (one image, or a list: blended by style_blend). The same run as `nst style`.

    Images are torch tensors (3xHxW or 1x3xHxW float in [0,1], any device), numpy arrays
    (HxWx3 uint8, or float in [0,1]) or PIL images; the result is of the content's kind (a
    tensor on its device, with its dtype and rank). By default the images are used at their
    size; size=N resizes the content's longest side to N px (as the CLI's --size) and the
    styles to N * style_scale.

    weights: "embedded" | a fetched name | a weight file | an nst.Network (reuse one for many
    calls). model/preprocess: for a name or file, as the CLI's --model/--preprocess.
    original_colors: keep the content's colours (luminance transfer).
    threads: CPU threads for libtorch (None: leave torch's setting).
    callback(report: nst.Report) is called after every iteration; returning False stops the
    run (the result so far is returned). callback_image=True puts the current image (as the
    content's kind) in report.image. progress=True shows a tqdm bar (a line per tenth of the
    run without tqdm). full_result=True returns an nst.Result (image, loss, parts, ...).
    Ctrl-C stops the run after the current iteration and raises nst.Interrupted, a
    KeyboardInterrupt whose .image is the latest image. The GIL is released while the
    optimizer runs. Errors are nst.Error subclasses (nst.UsageError is a ValueError, ...).

    Example:
        out = nst.stylize(photo, painting, iterations=300, size=512, seed=1)
""")

document(invert, _INVERT, """
    Feature inversion (Mahendran & Vedaldi 2015): reconstruct `image` from its VGG features at
    `layers` (a name, "a,b" or a list). The same run as `nst invert`. Images, weights, size,
    callback, progress, Ctrl-C and full_result as for nst.stylize; full_result adds
    feature_loss, psnr, stalls, blurs and resets in Result.extra.
""")

document(score, _SCORE, """
    Judges `image` against a content and style image (a list for several) with a network the
    optimizer did not see, as `nst score`: returns a dict with style (0 = the style's Gram
    matrices, 1 = no closer than the content photo), content (0 = the content's features,
    1 = as far as the style image), the raw distances, baselines and per-layer values.
    Content and styles are resized to one longest side, `size` (default: the image's own).
    weights: "embedded" (the seeded judge, see judge_seed) | a name or file | an nst.Network.
""")

document(Judge.__init__, _SCORE, """
    Judge(content, style, **options): the judge of nst.score, built once (its network, the
    content's features, the styles' blended Gram matrices and the baselines), then
    judge.score(image) for any number of images, e.g. every result of a loop. Content and styles
    are used at one longest side: `size`, default the content's own.
""")
Judge.__doc__ = Judge.__init__.__doc__

document(plan, _PLAN, """
    Predicts the peak memory (bytes) of a style run, as `nst plan`: size is W, "WxH" or
    (W, H); style_size likewise (default: size). weights: "embedded" or a file (only its size
    is read; trained-weight defaults apply). memory_limit: GiB (0: the memory available now).
    Returns a dict: width, height, peak_bytes, parts, budget_bytes, fits, largest_fitting_side.
""")
