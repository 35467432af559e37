#!/usr/bin/python3
"""Writes the committed test fixtures for the built-in GoogLeNet and the .pth reader.

Run once with Debian's python3-torch / python3-torchvision (CI does not need Python):

    /usr/bin/python3 batch-container/src/test/python/make_googlenet_fixtures.py

Optionally, ``--full-state-dicts DIR`` writes the full synthetic state dict as real 26 MB torch.save files (zip and
legacy format) into DIR, not committed; ``GOOGLENET_TORCH_FILES=DIR`` makes the equivalence test load those too.

It writes into batch-container/src/test/resources/googlenet/:

* ``reference_activations.txt`` -- torchvision's googlenet (transform_input=True, eval mode) loaded with
  deterministic synthetic weights (see ``synthetic``), run on a deterministic 1x3x67x61 input; for every
  dream layer: its shape, the float64 sum and sum of squares, and every ``stride``-th value of the flattened
  activation. The Java test builds the *same* weights with the same formula
  (``SyntheticGoogLeNetWeights.java``), writes them as a .pth, loads them through the reader and compares.
  (The full state dict is 26 MB: too large to commit.)
* ``state_dict_shapes.txt`` -- torchvision's googlenet state dict keys and shapes, in order, so the Java
  architecture is checked against torchvision's, key for key.
* ``reader_zip.pth``, ``reader_zip_proto4.pth``, ``reader_legacy.pth`` -- small real ``torch.save`` files
  (zip format with pickle protocols 2 and 4; the legacy non-zip format) with several dtypes, shapes,
  a non-contiguous tensor and two views sharing one storage. The Java reader test checks the values.

The synthetic formula (must stay identical to the Java one): for a tensor named ``name``, element ``i``
of its flattened (row-major) data: ``seed = fnv1a32(utf8(name))``, ``h = fmix32(seed ^ (i * 0x9E3779B1 mod 2^32))``
(murmur3's finaliser), ``u = h / 2^32 - 0.5`` in [-0.5, 0.5), then by role:
conv weight ``u * sqrt(24 / fan_in)`` (He-like variance), bn.weight ``1 + 0.25 u``, bn.bias ``0.2 u``,
bn.running_mean ``0.2 u``, bn.running_var ``1 + 0.5 u``, num_batches_tracked ``0``,
fc/aux linear weights and biases ``0.02 u``. Computed in float64, rounded once to float32.
The input uses the name ``"input"`` and ``u + 0.5`` in [0, 1).
"""
import collections
import os
import warnings

import numpy as np
import torch
import torchvision

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "googlenet")
M32 = 0xFFFFFFFF
LAYERS = ["conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b", "maxpool3",
          "inception4a", "inception4b", "inception4c", "inception4d", "inception4e", "maxpool4",
          "inception5a", "inception5b"]
INPUT_SHAPE = (1, 3, 67, 61)
MAX_SAMPLES = 1500


def fnv1a32(text):
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & M32
    return h


def uniform(name, n):
    """u in [-0.5, 0.5) for elements 0..n-1, float64, exactly as in Java."""
    i = np.arange(n, dtype=np.uint64)
    h = (np.uint64(fnv1a32(name)) ^ ((i * np.uint64(0x9E3779B1)) & np.uint64(M32))) & np.uint64(M32)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & np.uint64(M32)
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & np.uint64(M32)
    h ^= h >> np.uint64(16)
    return h.astype(np.float64) / 4294967296.0 - 0.5


def synthetic(name, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    if name.endswith("num_batches_tracked"):
        return torch.zeros(shape, dtype=torch.int64)
    u = uniform(name, n)
    if name.endswith("bn.weight"):
        v = 1.0 + 0.25 * u
    elif name.endswith("bn.bias") or name.endswith("bn.running_mean"):
        v = 0.2 * u
    elif name.endswith("bn.running_var"):
        v = 1.0 + 0.5 * u
    elif name.endswith("conv.weight"):
        fan_in = int(np.prod(shape[1:]))
        v = u * np.sqrt(24.0 / fan_in)
    elif name.startswith("fc.") or name.startswith("aux"):
        v = 0.02 * u
    else:
        raise ValueError("no synthetic rule for " + name)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def full_state_dicts(out_dir):
    """Optional, not committed (26 MB each): the synthetic weights as real torch.save files in both formats, for
    GoogLeNetEquivalenceTest#matchesTorchvisionLoadingTorchWrittenFiles (set GOOGLENET_TORCH_FILES=out_dir)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torchvision.models.googlenet(weights=None, aux_logits=True, transform_input=True, init_weights=False)
    sd = collections.OrderedDict((k, synthetic(k, tuple(v.shape))) for k, v in model.state_dict().items())
    os.makedirs(out_dir, exist_ok=True)
    torch.save(sd, os.path.join(out_dir, "synthetic_zip.pth"))
    torch.save(sd, os.path.join(out_dir, "synthetic_legacy.pth"), _use_new_zipfile_serialization=False)


def googlenet_fixture():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torchvision.models.googlenet(weights=None, aux_logits=True, transform_input=True,
                                             init_weights=False)
    sd = model.state_dict()
    with open(os.path.join(OUT, "state_dict_shapes.txt"), "w") as f:
        for k, v in sd.items():
            f.write("%s %s %s\n" % (k, str(v.dtype).replace("torch.", ""), "x".join(str(d) for d in v.shape) or "scalar"))
    model.load_state_dict(collections.OrderedDict((k, synthetic(k, tuple(v.shape))) for k, v in sd.items()))
    model.eval()

    x01 = torch.from_numpy((uniform("input", int(np.prod(INPUT_SHAPE))) + 0.5).astype(np.float32).reshape(INPUT_SHAPE))
    # torchvision's ImageNet weights expect ImageNet-normalised input (transform_input then maps it to [-1, 1]).
    mean = torch.tensor([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
    captured = {}
    for layer in LAYERS:
        getattr(model, layer).register_forward_hook(lambda m, i, o, layer=layer: captured.__setitem__(layer, o.detach().clone()))
    with torch.no_grad():
        model((x01 - mean) / std)

    with open(os.path.join(OUT, "reference_activations.txt"), "w") as f:
        f.write("# written by src/test/python/make_googlenet_fixtures.py (torch %s, torchvision %s)\n"
                % (torch.__version__, torchvision.__version__))
        f.write("# input %s\n" % "x".join(str(d) for d in INPUT_SHAPE))
        f.write("# per layer: name shape sum sumsq stride count, then the values flat[0], flat[stride], ...\n")
        for layer in LAYERS:
            a = captured[layer].double().flatten()
            n = a.numel()
            stride = max(1, -(-n // MAX_SAMPLES))
            vals = a[::stride].float()
            f.write("%s %s %r %r %d %d\n" % (layer, "x".join(str(d) for d in captured[layer].shape),
                                            float(a.sum()), float((a * a).sum()), stride, vals.numel()))
            f.write(" ".join(repr(float(v)) for v in vals) + "\n")


def reader_fixtures():
    base = torch.arange(10, dtype=torch.float32) * 0.25 - 1.0
    d = collections.OrderedDict()
    d["f32"] = torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5 - 1.0
    d["f64"] = torch.tensor([[1.5, -2.25], [3.125, 1e-300]], dtype=torch.float64)
    d["i64"] = torch.tensor([-3, 0, 2 ** 40], dtype=torch.int64)
    d["i32"] = torch.tensor([7, -8], dtype=torch.int32)
    d["u8"] = torch.tensor([0, 255, 3], dtype=torch.uint8)
    d["f16"] = torch.tensor([0.5, -1.25, 65504.0], dtype=torch.float16).reshape(3, 1)
    d["scalar"] = torch.tensor(3.5)
    d["empty"] = torch.zeros(0, 4)
    d["transposed"] = (torch.arange(12, dtype=torch.float32).reshape(3, 4)).t()  # 4x3, strides (1, 4)
    d["base"] = base
    d["view"] = base[2:8:2]  # shares base's storage: offset 2, stride 2
    d["bn.num_batches_tracked"] = torch.tensor(42)
    assert not d["transposed"].is_contiguous()
    torch.save(d, os.path.join(OUT, "reader_zip.pth"))
    torch.save(d, os.path.join(OUT, "reader_zip_proto4.pth"), pickle_protocol=4)
    torch.save(d, os.path.join(OUT, "reader_legacy.pth"), _use_new_zipfile_serialization=False)
    for name in ["reader_zip.pth", "reader_zip_proto4.pth", "reader_legacy.pth"]:
        back = torch.load(os.path.join(OUT, name))
        for k in d:
            assert torch.equal(back[k], d[k]), (name, k)


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--full-state-dicts":
        full_state_dicts(sys.argv[2])
        sys.exit(0)
    os.makedirs(OUT, exist_ok=True)
    reader_fixtures()
    googlenet_fixture()
    print("wrote", sorted(os.listdir(OUT)))
