#!/usr/bin/env python3
"""Two short test clips for nst video's flicker study (docs/VIDEO.md), as numbered PNG frames.

pan:      a slow pan and zoom over building.jpg (camera motion only; the frame edge uncovers).
parallax: chelsea.png's cat's head (an elliptical cut-out) sliding right over building.jpg, which
          pans left: foreground and background move differently, so the cut-out occludes and
          uncovers background every frame.
Usage: /usr/bin/python3 studies/make_video_clips.py IMAGES_DIR OUT_DIR [FRAMES (10)] [WIDTH (128)]
Needs python3-pil (PIL).
"""
import os
import sys

from PIL import Image, ImageDraw, ImageFilter

images, out = sys.argv[1], sys.argv[2]
frames = int(sys.argv[3]) if len(sys.argv) > 3 else 10
width = int(sys.argv[4]) if len(sys.argv) > 4 else 128
height = width * 3 // 4
building = Image.open(os.path.join(images, "building.jpg")).convert("RGB")
cat = Image.open(os.path.join(images, "chelsea.png")).convert("RGB")

# Background: the building scaled so the pan has room; 2 px/frame left and a 1 %/frame zoom.
scale = 2.0 * width / building.width
bg = building.resize((round(building.width * scale), round(building.height * scale)), Image.LANCZOS)
# Foreground: the cat's face cropped and shrunk to 45 % of the frame height, with a soft elliptic alpha.
face = cat.crop((cat.width * 0.25, 0, cat.width * 0.75, cat.height * 0.8))
fh = int(height * 0.45)
face = face.resize((fh * face.width // face.height, fh), Image.LANCZOS)
alpha = Image.new("L", face.size, 0)
ImageDraw.Draw(alpha).ellipse((1, 1, face.width - 2, face.height - 2), fill=255)
alpha = alpha.filter(ImageFilter.GaussianBlur(1))

for clip in ("pan", "parallax"):
    os.makedirs(os.path.join(out, clip), exist_ok=True)
    for t in range(frames):
        zoom = 1.0 + (0.01 * t if clip == "pan" else 0.0)
        w, h = width / zoom, height / zoom
        x0 = 40 + (2 if clip == "pan" else 3) * t
        y0 = (bg.height - h) / 2
        frame = bg.resize((width, height), Image.LANCZOS, box=(x0, y0, x0 + w, y0 + h))
        if clip == "parallax":
            frame.paste(face, (10 + 5 * t, height // 2 - fh // 3), alpha)
        frame.save(os.path.join(out, clip, f"{t + 1:04d}.png"))
print(f"{frames} frames of {width}x{height} in {out}/pan and {out}/parallax")
