#!/usr/bin/env bash
# Makes the README's pictures of the guide image and channel objectives (issue 14): horses.jpg at ~640 px wide,
# real MobileNetV2 from ../shared/models, the same seed and settings as the other controls' pictures (make-pictures.sh).
# Needs ImageMagick's `convert` for the downscale (set CONVERT=/path/to/convert to choose one).
# Usage: docs/controls/make-guide-pictures.sh   (from the repository root; writes docs/controls/{guide,guide-guide,channels}.jpg)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="$root/../shared"
out="$root/docs/controls"
convert="${CONVERT:-convert}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$convert" "$shared/images/horses.jpg" -resize 640x "$work/horses.png"
# The guide: The Scream, shown small beside the result (the engine scales a guide to the tile size by itself).
"$convert" "$shared/images/scream.jpg" -resize 160x -quality 85 "$out/guide-guide.jpg"
dream() {
  "$root/batch-container/dreamscape" dream "$@" --model "$shared/models/mobilenet_v2_1.0_224_quant_dream.pt" \
    --octaves 4 --steps 10 --step-size 6 --seed 1 --quality 85 --quiet
}
dream "$work/horses.png" -o "$out/guide.jpg" --layer expanded_conv_12/expand --guide "$shared/images/scream.jpg"
dream "$work/horses.png" -o "$out/channels.jpg" --layer "expanded_conv_12/expand#${CHANNELS:-20,333}"
ls -l "$out"/guide.jpg "$out"/guide-guide.jpg "$out"/channels.jpg
