"""One style over a folder of photos with one nst.Network (loaded once, reused by every run).
Ctrl-C stops the loop; the interrupted image is saved first. Usage: many_images.py STYLE OUT_DIR PHOTO... [--size N]"""
import argparse
import pathlib

import nst

parser = argparse.ArgumentParser()
parser.add_argument("style")
parser.add_argument("out_dir", type=pathlib.Path)
parser.add_argument("photos", nargs="+", type=pathlib.Path)
parser.add_argument("--size", type=int, default=256)
parser.add_argument("--iterations", type=int, default=200)
args = parser.parse_args()

network = nst.Network()  # or nst.load_weights("vgg19") after nst.fetch_weights("vgg19")
style = nst.read_image(args.style, args.size)
for photo in args.photos:
    output = args.out_dir / f"{photo.stem}_styled.png"
    try:
        image = nst.stylize(nst.read_image(photo, args.size), style, weights=network, iterations=args.iterations)
    except nst.Interrupted as stop:
        nst.write_image(stop.image, output)
        raise
    nst.write_image(image, output)
    print(f"wrote {output}")
