# Type stub of the nst package. Defaults are shown as `...`: they are the library's, read from its
# option structs at import time (see help(nst.stylize) or nst.defaults(task) for the values).
# tests/python/test_stub.py checks that these parameters are the runtime signatures'.
from os import PathLike
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar, Union, overload

import numpy
import torch

Image = TypeVar("Image", torch.Tensor, numpy.ndarray, Any)  # Any: PIL.Image.Image
AnyImage = Union[torch.Tensor, numpy.ndarray, Any]
Layers = Union[str, Sequence[str]]
Numbers = Sequence[float]
Path = Union[str, PathLike]

class Network:
    def __init__(self, weights: str = ..., model: str = ..., preprocess: str = ...) -> None: ...
    @property
    def source(self) -> str: ...
    @property
    def spec(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def preprocess(self) -> str: ...
    @property
    def trained(self) -> bool: ...
    @property
    def layers(self) -> List[str]: ...

class Report:
    iteration: int
    total_iterations: int
    seconds: float
    loss: float
    parts: Dict[str, float]
    evaluations: int
    total_evaluations: int
    step_size: float
    event: str
    image: Any

class Result:
    image: Any
    loss: float
    parts: Dict[str, float]
    iterations: int
    seconds: float
    stop: str
    message: str
    extra: Dict[str, Any]

Callback = Callable[[Report], Optional[bool]]

class Error(Exception):
    kind: str
class UsageError(Error, ValueError): ...
class IoError(Error, OSError): ...
class FormatError(Error, RuntimeError): ...
class ModelError(Error, RuntimeError): ...
class NumericError(Error, RuntimeError): ...
class ResourceError(Error, MemoryError): ...
class AbortedError(Error, RuntimeError): ...
class TorchError(Error, RuntimeError): ...
class Interrupted(KeyboardInterrupt):
    image: Any
    result: Optional[Result]

def stylize(
    content: Image,
    style: Union[AnyImage, Sequence[AnyImage]],
    *,
    weights: Union[str, Network] = ...,
    model: Optional[str] = ...,
    preprocess: Optional[str] = ...,
    size: Optional[int] = ...,
    style_scale: float = ...,
    original_colors: bool = ...,
    threads: Optional[int] = ...,
    callback: Optional[Callback] = ...,
    callback_image: bool = ...,
    progress: bool = ...,
    full_result: bool = ...,
    content_weight: Optional[float] = ...,
    style_weight: Optional[float] = ...,
    tv_weight: Optional[float] = ...,
    content_layers: Optional[Layers] = ...,
    style_layers: Layers = ...,
    style_layer_weights: Numbers = ...,
    style_blend: Numbers = ...,
    style_loss: str = ...,
    keep_style_border: bool = ...,
    init: Union[None, str, AnyImage] = ...,
    seed: int = ...,
    iterations: int = ...,
    scales: int = ...,
    scale_factor: float = ...,
    coarse_iterations: int = ...,
    tile_size: int = ...,
    bounds: str = ...,
    optimizer: str = ...,
    history: int = ...,
    history_precision: str = ...,
    history_device: str = ...,
    line_search: str = ...,
    learning_rate: Optional[float] = ...,
    pooling: Optional[str] = ...,
    device: Optional[str] = ...,
    precision: str = ...,
    no_tf32: bool = ...,
) -> Any: ...  # Image, or Result with full_result=True

def invert(
    image: Image,
    layers: Optional[Layers] = ...,
    *,
    weights: Union[str, Network] = ...,
    model: Optional[str] = ...,
    preprocess: Optional[str] = ...,
    size: Optional[int] = ...,
    threads: Optional[int] = ...,
    callback: Optional[Callback] = ...,
    callback_image: bool = ...,
    progress: bool = ...,
    full_result: bool = ...,
    layer_weights: Numbers = ...,
    iterations: int = ...,
    scales: int = ...,
    scale_factor: float = ...,
    coarse_iterations: int = ...,
    seed: int = ...,
    init: Union[str, AnyImage] = ...,
    tv_weight: float = ...,
    tv_beta: float = ...,
    alpha_weight: float = ...,
    alpha: float = ...,
    jitter: int = ...,
    on_stall: str = ...,
    blur_sigma: float = ...,
    stall_window: int = ...,
    stall_tol: float = ...,
    bounds: str = ...,
    parametrization: str = ...,
    fourier_decay: float = ...,
    optimizer: str = ...,
    history: int = ...,
    history_precision: str = ...,
    history_device: str = ...,
    line_search: str = ...,
    learning_rate: Optional[float] = ...,
    pooling: str = ...,
    device: Optional[str] = ...,
    precision: str = ...,
    no_tf32: bool = ...,
) -> Any: ...

def score(
    image: AnyImage,
    content: AnyImage,
    style: Union[AnyImage, Sequence[AnyImage]],
    *,
    weights: Union[str, Network] = ...,
    size: Optional[int] = ...,
    threads: Optional[int] = ...,
    judge_seed: int = ...,
    model: str = ...,
    pooling: str = ...,
    style_layers: Layers = ...,
    content_layers: Layers = ...,
    style_blend: Numbers = ...,
    sliced_seed: int = ...,
) -> Dict[str, Any]: ...

class Judge:
    def __init__(
        self,
        content: AnyImage,
        style: Union[AnyImage, Sequence[AnyImage]],
        *,
        weights: Union[str, Network] = ...,
        size: Optional[int] = ...,
        threads: Optional[int] = ...,
        judge_seed: int = ...,
        model: str = ...,
        pooling: str = ...,
        style_layers: Layers = ...,
        content_layers: Layers = ...,
        style_blend: Numbers = ...,
        sliced_seed: int = ...,
    ) -> None: ...
    def score(self, image: AnyImage) -> Dict[str, Any]: ...
    @property
    def size(self) -> Tuple[int, int]: ...

def plan(
    size: Union[int, str, Tuple[int, int]],
    *,
    style_size: Union[None, int, str, Tuple[int, int]] = ...,
    weights: str = ...,
    model: Optional[str] = ...,
    memory_limit: float = ...,
    pooling: Optional[str] = ...,
    content_layers: Optional[Layers] = ...,
    style_layers: Layers = ...,
    optimizer: str = ...,
    history: int = ...,
    history_precision: str = ...,
    precision: str = ...,
    iterations: int = ...,
    tile_size: int = ...,
) -> Dict[str, Any]: ...

def load_weights(path_or_name: str, model: Optional[str] = ..., preprocess: Optional[str] = ...) -> Network: ...
def fetch_weights(name: str, *, url: str = ..., sha256: str = ..., preprocess: str = ..., cache_dir: str = ...,
                  force: bool = ...) -> str: ...
def read_image(path: Path, size: int = ...) -> torch.Tensor: ...
def write_image(image: AnyImage, path: Path) -> None: ...
def defaults(task: str, trained: bool = ...) -> Dict[str, Any]: ...
