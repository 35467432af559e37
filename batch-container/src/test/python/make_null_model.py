#!/usr/bin/python3
"""Writes the near-trivial model of the host-cost benchmark (issue 10): forward(x) -> {"id": x[:, :, ::8, ::8]}.
With it, a dream step costs almost nothing inside libtorch, so the engine's own (host) cost per megapixel-step shows.
Run with Debian's python3-torch (not needed by the product or CI):

    /usr/bin/python3 batch-container/src/test/python/make_null_model.py OUT.pt
"""
import sys
from typing import Dict

import torch


class Null(torch.nn.Module):
    def forward(self, x) -> Dict[str, torch.Tensor]:
        return {"id": x[:, :, ::8, ::8]}


torch.jit.script(Null()).save(sys.argv[1] if len(sys.argv) > 1 else "null_model.pt")
