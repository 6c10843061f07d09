#!/usr/bin/env bash
# Fresh Debian 12 machine -> stylized image: installs packages, builds, and runs a style
# transfer of the bundled cat photo in the style of The Starry Night on the embedded network.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
./build/nst style --content examples/chelsea.png --style examples/starry_night.jpg \
  --output chelsea_starry.png --size 320 --iterations 200 "$@"
echo "wrote $(pwd)/chelsea_starry.png"
