"""Regenerates beitv2_setA.safetensors: timm's own view of the set-A pt_relpos backbone.

Run with torch, timm and safetensors installed, from this directory:
    python make_fixture.py EXPORT.safetensors IMAGES.safetensors
EXPORT is BeitWeights.timm(...) of the model loaded from set A's pt_relpos weights; IMAGES holds `images`.
The fixture holds timm's forward_features on the export, and in its metadata `state_dict` the key -> shape
map of timm's own state dict (what a strict load requires).
"""
import json
import sys

import timm
import torch
from safetensors.torch import load_file, save_file

export = load_file(sys.argv[1])
images = load_file(sys.argv[2])["images"]

# The set-A pt_relpos backbone as timm builds BEiT v2 (per-block relative position tables), read out
# through the final norm on every token (global_pool='token'), without classifier.
model = timm.models.beit.Beit(img_size=32, patch_size=8, in_chans=3, embed_dim=64, depth=4, num_heads=4,
                              mlp_ratio=4.0, use_abs_pos_emb=False, use_rel_pos_bias=True, init_values=0.1,
                              global_pool='token', num_classes=0)
shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
model.load_state_dict(export, strict=True)
model.eval()
with torch.no_grad():
    features = model.forward_features(images).contiguous()
save_file({"forward_features": features}, "beitv2_setA.safetensors",
          metadata={"timm": timm.__version__, "torch": torch.__version__, "state_dict": json.dumps(shapes)})
print("keys", len(shapes), "features", tuple(features.shape))
