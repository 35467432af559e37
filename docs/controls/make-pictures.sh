#!/usr/bin/env bash
# Makes the README's pictures of the artist controls (issue 14): one photo, the same seed and settings for all,
# real MobileNetV2 from ../shared/models. The downscale, the crop and the roll: PictureOps.java (JDK alone).
# Usage: docs/controls/make-pictures.sh   (from the repository root; writes docs/controls/*.jpg)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="$root/../shared"
out="$root/docs/controls"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
source "$root/.ci/java-home"
java="$(pick_java_home)/bin/java"
ops() { "$java" "$out/PictureOps.java" "$@"; }
# The photo (773×512) at 640 px wide, and a 2:1 panorama-shaped crop of it (full width, centred vertically).
ops fit "$shared/images/horses.jpg" "$work/horses.png" 640 424
ops fit "$shared/images/horses.jpg" "$work/pano.png" 640 320
dream() {
  "$root/batch-container/dreamscape" dream "$@" --model "$shared/models/mobilenet_v2_1.0_224_quant_dream.pt" \
    --octaves 4 --steps 10 --step-size 6 --seed 1 --quality 70 --quiet
}
L=(--layer expanded_conv_12/expand)
dream "$work/horses.png" -o "$out/plain.jpg" "${L[@]}"
dream "$work/horses.png" -o "$out/laplacian.jpg" "${L[@]}" --normalize laplacian
dream "$work/horses.png" -o "$out/keep-colors.jpg" "${L[@]}" --keep-colors
# The mask (any size with the photo's aspect ratio): black left third, a ramp, white right third.
ops ramp "$out/mask-mask.png" 160 106
dream "$work/horses.png" -o "$out/mask.jpg" "${L[@]}" --mask "$out/mask-mask.png"
# The guide, The Scream (352×448), shown small beside the result (the engine itself scales a guide to the tile size).
ops fit "$shared/images/scream.jpg" "$work/guide-guide.png" 160 204
ops jpeg "$work/guide-guide.png" "$out/guide-guide.jpg" 80
dream "$work/horses.png" -o "$out/guide.jpg" "${L[@]}" --guide "$shared/images/scream.jpg"
# Two channels of the same layer.
dream "$work/horses.png" -o "$out/channels.jpg" --layer "expanded_conv_12/expand#20,333"
# The panorama: dreamed with --wrap x, then shown rolled by half its width, so its left/right join is in the middle.
dream "$work/pano.png" -o "$work/wrap-x.png" "${L[@]}" --wrap x
ops roll "$work/wrap-x.png" "$out/wrap-x.jpg" 70
ls -l "$out"/*.jpg
