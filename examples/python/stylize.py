"""Five lines: a photo in the style of a painting. Usage: stylize.py CONTENT STYLE OUTPUT [SIZE [ITERATIONS]]"""
import sys

import nst
from PIL import Image

content, style, output = sys.argv[1:4]
size, iterations = (int(a) for a in (sys.argv[4:] + ["256", "200"])[:2])
nst.stylize(Image.open(content), Image.open(style), size=size, iterations=iterations, progress=True).save(output)
