#!/usr/bin/env bash
# Makes the README's pictures of the guide image and channel objectives (issue 14): horses.jpg at 640 px wide, real
# MobileNetV2 from ../shared/models, the same seed and settings as make-pictures.sh (so they compare with plain.jpg).
# Picture operations: PictureOps.java (JDK alone).
# Usage: docs/controls/make-guide-pictures.sh   (from the repository root; writes docs/controls/{guide,guide-guide,channels}.jpg)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="$root/../shared"
out="$root/docs/controls"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
source "$root/.ci/java-home"
java="$(pick_java_home)/bin/java"
ops() { "$java" "$out/PictureOps.java" "$@"; }
ops fit "$shared/images/horses.jpg" "$work/horses.png" 640 424
# The guide, The Scream (352×448), shown small beside the result (the engine itself scales a guide to the tile size).
ops fit "$shared/images/scream.jpg" "$work/guide-guide.png" 160 204
ops jpeg "$work/guide-guide.png" "$out/guide-guide.jpg" 80
dream() {
  "$root/batch-container/dreamscape" dream "$@" --model "$shared/models/mobilenet_v2_1.0_224_quant_dream.pt" \
    --octaves 4 --steps 10 --step-size 6 --seed 1 --quality 70 --quiet
}
dream "$work/horses.png" -o "$out/guide.jpg" --layer expanded_conv_12/expand --guide "$shared/images/scream.jpg"
dream "$work/horses.png" -o "$out/channels.jpg" --layer "expanded_conv_12/expand#20,333"
ls -l "$out"/guide.jpg "$out"/guide-guide.jpg "$out"/channels.jpg
