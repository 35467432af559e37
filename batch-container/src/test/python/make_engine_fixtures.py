#!/usr/bin/python3
"""Writes the small committed fixtures of the engine tests. Run once with Debian's python3-torch and python3-pil:

    /usr/bin/python3 batch-container/src/test/python/make_engine_fixtures.py

CI never runs this: the outputs are committed (a few KB each).
  tiny_dict.pt            forward(x) -> {"conv1": ..., "conv2": ..., "conv3": ...}
  tiny_tuple.pt + .json   forward(x) -> (conv1, conv2, conv3), names in the sidecar
  cmyk.jpg, gray.jpg      JPEGs in CMYK (Adobe, inverted as Photoshop writes them) and greyscale
  exif_rotated.jpg        40x20 stored pixels, EXIF orientation 6 (display rotated 90 degrees clockwise)
"""
import io
import json
import os

import torch
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures")
torch.manual_seed(1234)


class Trunk(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.conv3 = torch.nn.Conv2d(16, 16, 3, stride=2, padding=1)

    def features(self, x):
        a = torch.relu(self.conv1(x * 2.0 - 1.0))
        b = torch.relu(self.conv2(a))
        c = torch.relu(self.conv3(b))
        return a, b, c


class DictModel(torch.nn.Module):
    def __init__(self, trunk):
        super().__init__()
        self.trunk = trunk

    def forward(self, x):
        a, b, c = self.trunk.features(x)
        return {"conv1": a, "conv2": b, "conv3": c}


class TupleModel(torch.nn.Module):
    def __init__(self, trunk):
        super().__init__()
        self.trunk = trunk

    def forward(self, x):
        return self.trunk.features(x)


trunk = Trunk().eval()
for p in trunk.parameters():
    p.requires_grad_(False)
os.makedirs(OUT, exist_ok=True)
torch.jit.script(DictModel(trunk)).save(os.path.join(OUT, "tiny_dict.pt"))
torch.jit.script(TupleModel(trunk)).save(os.path.join(OUT, "tiny_tuple.pt"))
with open(os.path.join(OUT, "tiny_tuple.json"), "w") as f:
    json.dump({"file": "tiny_tuple.pt", "outputs": [
        {"index": 0, "name": "conv1", "channels": 8, "stride": 1},
        {"index": 1, "name": "conv2", "channels": 16, "stride": 2},
        {"index": 2, "name": "conv3", "channels": 16, "stride": 4}]}, f, indent=2)

# Image fixtures: a gradient so that orientation and colour mistakes are visible in numbers.
w, h = 40, 20
rgb = Image.new("RGB", (w, h))
for y in range(h):
    for x in range(w):
        rgb.putpixel((x, y), (x * 6, y * 12, 200 if x < 10 else 30))
rgb.convert("CMYK").save(os.path.join(OUT, "cmyk.jpg"), quality=95)
rgb.convert("L").save(os.path.join(OUT, "gray.jpg"), quality=95)
exif = Image.Exif()
exif[0x0112] = 6
rgb.save(os.path.join(OUT, "exif_rotated.jpg"), quality=95, exif=exif.tobytes())
print("fixtures written to", os.path.abspath(OUT))
