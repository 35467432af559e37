#!/usr/bin/env python3
"""GPU ceiling of the engine's work: forward+backward of the same TorchScript tiles the Java engine feeds, timed in
PyTorch alone (the device machine has PyTorch but no JDK). Prepared for a session that is lent a GPU; not run in CI.

    python3 gpu_ceiling.py MODEL.pt [LAYER_INDEX] [--tiles 256,512,1024] [--batch 1,4,16] [--steps 30]
                           [--margin 16] [--host-ms 12.3]
    python3 gpu_ceiling.py MODEL.pt [LAYER_INDEX] --devices N [--image 8192x6144] [--tiles 512] [--batch 4]

With --devices N (a multi-GPU machine, issue 11) it measures one image's step on 1 GPU against N GPUs on the same
tiles, as the engine's multi-device path does it (DeviceQueue / ResidentOctave / PeerBatch): the image lives on
GPU 0; batches of windows go to whichever GPU is free (one thread per GPU, a work queue); a batch on another GPU gets
the bounding box of its windows copied there, and its gradient cores come back to GPU 0, where they are put together
in tile order (one normaliser). It prints
ms per step for 1 and N GPUs, the speed-up and efficiency (the planner's MULTI_GPU_EFFICIENCY, assumed 0.85), the
bytes copied between GPUs per step and the max |Δ| of the normalised gradient between 1 and N GPUs.

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
    ap.add_argument("--devices", type=int, default=0, help="compare 1 GPU with this many on one image (issue 11)")
    ap.add_argument("--image", default="8192x6144", help="with --devices: the image size W x H")
    a = ap.parse_args()
    if a.devices:
        return multi_gpu(a)
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


def multi_gpu(a):
    import queue
    import threading

    n = a.devices
    if not torch.cuda.is_available() or torch.cuda.device_count() < n:
        raise SystemExit(f"--devices {n}: only {torch.cuda.device_count()} GPU(s) visible")
    torch.backends.cudnn.benchmark = True
    tile = int(a.tiles.split(",")[0])
    batch = int(a.batch.split(",")[0])
    w, h = (int(v) for v in a.image.lower().split("x"))
    win = tile + 2 * a.margin
    nets = [torch.jit.load(a.model, map_location=f"cuda:{d}").eval() for d in range(n)]
    gen = torch.Generator().manual_seed(1)
    image = torch.rand(3, h + 2 * a.margin, w + 2 * a.margin, generator=gen).to("cuda:0")  # the extended image
    # the same tile grid for both runs: cores of tile x tile, windows with the context margin
    tiles = [(y, x) for y in range(0, h - tile + 1, tile) for x in range(0, w - tile + 1, tile)]
    batches = [tiles[i:i + batch] for i in range(0, len(tiles), batch)]

    def grad_cores(d, src, members, oy=0, ox=0):
        xi = torch.stack([src[:, y - oy:y - oy + win, x - ox:x - ox + win] for (y, x) in members]).detach().requires_grad_(True)
        out = nets[d](xi)
        act = out[a.layer] if isinstance(out, (tuple, list)) else next(iter(out.values()))
        (g,) = torch.autograd.grad(act.square().mean(dim=(1, 2, 3)).sum(), xi)
        return g[:, :, a.margin:a.margin + tile, a.margin:a.margin + tile]

    def step(devices):
        moved = [0]
        lock = threading.Lock()
        results = [None] * len(batches)
        work = queue.Queue()
        for i in range(len(batches)):
            work.put(i)

        def run(d):
            torch.cuda.set_device(d)
            while True:
                try:
                    i = work.get_nowait()
                except queue.Empty:
                    return
                members = batches[i]
                if d == 0:
                    cores = grad_cores(d, image, members)
                else:  # the bounding box of the batch's windows to this GPU, the cores back
                    y0, y1 = min(y for y, _ in members), max(y for y, _ in members) + win
                    x0, x1 = min(x for _, x in members), max(x for _, x in members) + win
                    box = image[:, y0:y1, x0:x1].to(f"cuda:{d}")
                    with lock:
                        moved[0] += box.numel() * 4
                    cores = grad_cores(d, box, members, y0, x0).to("cuda:0")
                    with lock:
                        moved[0] += cores.numel() * 4
                results[i] = cores

        threads = [threading.Thread(target=run, args=(d,)) for d in range(devices)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        g = torch.cat(results)  # tile order, whichever GPU finished first
        g = g / g.abs().mean()  # one normaliser for the whole step, on GPU 0
        for d in range(devices):
            torch.cuda.synchronize(d)
        return g, moved[0]

    timings = {}
    grads = {}
    for devices in (1, n):
        for _ in range(2):
            step(devices)  # warm-up: cuDNN's algorithm search per GPU
        t0 = time.perf_counter()
        for _ in range(a.steps):
            g, moved = step(devices)
        timings[devices] = (time.perf_counter() - t0) / a.steps
        grads[devices] = (g, moved)
    one, many = timings[1], timings[n]
    diff = (grads[1][0] - grads[n][0]).abs().max().item()
    names = ", ".join(sorted({torch.cuda.get_device_name(d) for d in range(n)}))
    print("| GPUs | image | tile (+margin), batch | ms per step, 1 GPU | ms per step, N GPUs | speed-up | efficiency | "
          "bytes between GPUs per step | max abs diff of the normalised gradient |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {n} × {names} | {w}×{h} | {tile} (+{a.margin}), {batch} | {1000 * one:.1f} | {1000 * many:.1f} | "
          f"{one / many:.2f} | {one / many / n:.2f} | {grads[n][1] / 1e6:.1f} MB ({grads[n][1] / (w * h):.1f} per pixel) "
          f"| {diff:.3g} |")


if __name__ == "__main__":
    main()
