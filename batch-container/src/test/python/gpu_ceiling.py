#!/usr/bin/env python3
"""GPU ceiling of the engine's work: forward+backward of the same TorchScript tiles the Java engine feeds, timed in
PyTorch alone (the device machine has PyTorch but no JDK). Prepared for a session that is lent a GPU; not run in CI.

    python3 gpu_ceiling.py MODEL.pt [LAYER_INDEX] [--tiles 256,512,1024] [--batch 1,4,16] [--steps 30]
                           [--margin 16] [--host-ms 12.3]

Prints one Markdown row per (tile, batch, dtype): Mpx·steps/s, ms per tile and the kernel cost in ms per image
Mpx·step, for docs/benchmarks.md. Windows are tile + 2·margin (the engine's context margin, OctaveSizes.contextMargin)
and the rate counts core pixels, as the engine's progress does. With --host-ms (the engine's measured host cost per
Mpx·step on the resident path, docs/benchmarks.md) it adds the busy fraction kernel / (kernel + host) the GPU would
see if host work and kernels did not overlap. The objective is the engine's: mean of squared activations of one
output; the gradient is taken w.r.t. the input, as in GradientStep.
"""
import argparse
import contextlib
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("layer", nargs="?", type=int, default=2, help="tuple index of the dream layer (MobileNetV2: 2 = mid_late)")
    ap.add_argument("--tiles", default="256,512,1024")
    ap.add_argument("--batch", default="1,4,16")
    ap.add_argument("--margin", type=int, default=16)
    ap.add_argument("--host-ms", type=float, default=None)
    ap.add_argument("--steps", type=int, default=30)
    a = ap.parse_args()
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cudnn.benchmark = True
    net = torch.jit.load(a.model, map_location=dev).eval()
    print(f"| device | tile (+margin) | batch | dtype | core Mpx·steps/s | ms per tile | kernel ms per Mpx·step | busy |")
    print(f"|---|---|---|---|---|---|---|---|")
    for tile in [int(t) for t in a.tiles.split(",")]:
        for batch in [int(b) for b in a.batch.split(",")]:
            for dtype in ([torch.float32, torch.float16] if dev.type == "cuda" else [torch.float32]):
                win = tile + 2 * a.margin
                x = torch.rand(batch, 3, win, win, device=dev)

                def step():
                    xi = x.detach().requires_grad_(True)
                    mixed = torch.autocast(device_type=dev.type, dtype=dtype) if dtype != torch.float32 else contextlib.nullcontext()
                    with mixed:
                        out = net(xi)
                        act = out[a.layer] if isinstance(out, (tuple, list)) else next(iter(out.values()))
                        loss = act.float().square().mean()
                    (g,) = torch.autograd.grad(loss, xi)
                    return g

                for _ in range(5):
                    step()
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
                for _ in range(a.steps):
                    step()
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                dt = (time.perf_counter() - t0) / a.steps
                name = torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"
                kernel = 1000 * dt / (batch * tile * tile / 1e6)
                busy = f"{100 * kernel / (kernel + a.host_ms):.0f} %" if a.host_ms else "-"
                print(f"| {name} | {tile} (+{a.margin}) | {batch} | {str(dtype).replace('torch.', '')} | "
                      f"{batch * tile * tile / 1e6 / dt:.1f} | {1000 * dt / batch:.2f} | {kernel:.2f} | {busy} |")


if __name__ == "__main__":
    main()
