#!/usr/bin/env bash
# Builds the nst Python wheel into dist/, offline, against the torch of the Python that runs it:
#   scripts/python_wheel.sh                 (the first of python3, /usr/bin/python3 that imports torch)
#   PYTHON=/path/to/python scripts/python_wheel.sh   (e.g. a venv with a pip PyTorch 2.x)
# The wheel links that torch's libtorch; install it where the same torch is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PYTHON:-}" ]; then
  for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c "import torch" 2>/dev/null; then PYTHON=$candidate; break; fi
  done
fi
: "${PYTHON:?no Python with torch found (Debian: scripts/install-deps.sh installs python3-torch); set PYTHON}"
"$PYTHON" -m pip wheel --no-build-isolation --no-index --no-deps --wheel-dir dist ./python
ls dist/nst-*.whl
