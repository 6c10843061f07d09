#!/usr/bin/env bash
# Installs every system package nst needs on Debian 12 (build, tests, bench).
# Usage: scripts/install-deps.sh            (runs apt-get with sudo when not root)
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev            # tensors, autograd, oneDNN convolutions (CPU)
  libopenblas0-openmp     # fast BLAS for Gram matrices (becomes the default BLAS)
  libvips-dev             # image decode/encode, EXIF orientation, resampling
  libcli11-dev            # command-line options
  libxxhash-dev           # XXH64 checksums of the embedded network's cache file
  nlohmann-json3-dev      # trace / bench JSON
  libplplot-dev plplot-driver-cairo  # loss plots of nst compare and the studies (pngcairo device)
  libcurl4-openssl-dev    # nst weights fetch (downloads)
  libgtest-dev            # unit tests
  libhdf5-dev             # Keras .h5 weights (HDF5 C library, serial flavour)
  libopencv-video-dev     # nst video: DIS optical flow (pulls libopencv-core/imgproc-dev)
  libopencv-videoio-dev   # nst video: video files in and out (its FFmpeg backend: H.264 via libx264)
  python3 python3-scipy   # reference L-BFGS-B for the optimizer tests
  clang libclang-rt-14-dev  # scripts/fuzz.sh: clang 14 with the libFuzzer/ASan/UBSan runtimes
  # Python package (python/, docs/PYTHON.md): torch for Python on the same libtorch1.13, pybind11
  # for the native module, pytest for tests/python, numpy/PIL image kinds, tqdm progress bars,
  # pip/venv/setuptools/wheel for the offline install and scripts/python_wheel.sh.
  python3-torch pybind11-dev python3-dev python3-pytest python3-numpy python3-pil python3-tqdm
  python3-pip python3-venv python3-setuptools python3-wheel
  slurm-wlm munge         # tests/slurm: nst batch as a job array on a one-node Slurm of the test's own
)
# Only to regenerate tests/fixtures/*.h5 / *.caffemodel (committed; not needed to build or test):
#   python3-h5py protobuf-compiler python3-protobuf   (tests/fixtures/make_fixtures_keras_caffe.py)
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
