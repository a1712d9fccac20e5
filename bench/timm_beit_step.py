"""Training-step throughput of timm's BEiT on the CPU, to compare with `./beit-stream bench model`.

Configuration as the Java benchmark's rgb32-tiny: 32 px RGB, patch 4 (an 8x8 grid), width 192, depth 6,
3 heads, MLP ratio 4, layer scale 0.1, one relative position bias shared by all blocks, no absolute
position embedding, a vocabulary of 8192 visual tokens as the head; 24 of 64 patches masked per image
(the recipe's 75/196), batch 64.

A training step is forward + cross-entropy over the masked tokens + backward + global-norm clipping (3.0)
+ AdamW (betas 0.9/0.98, weight decay 0.05 except vectors, biases and cls_token), as the Java step.

Two variants:
  plain   timm's Beit as it is: 6 blocks, the head applied to the masked tokens, one cross-entropy.
  beitv2  the same work as the Java model: the mask token blended into masked patches, plus BEiT v2's
          patch-aggregation branch built from timm's own Block (the final CLS with the patch tokens of
          block 4 through 2 more blocks, the shared norm and head) and its cross-entropy.
          This is the like-for-like comparison.

Prints one JSON line. Run with bench/torchvision_stub on PYTHONPATH (see its docstring).
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from timm.models.beit import Beit, Block

IMG, PATCH, CHANS, DIM, DEPTH, HEADS, VOCAB = 32, 4, 3, 192, 6, 3, 8192
EARLY_LAYERS, HEAD_LAYERS, INIT_VALUES = 4, 2, 0.1
GRID = IMG // PATCH
PATCHES = GRID * GRID
MASKED = round(PATCHES * 75 / 196)


class BeitV2Pretraining(nn.Module):
    """timm's Beit backbone with BEiT v2's mask token and patch-aggregation head (authors' forward)."""

    def __init__(self, backbone: Beit):
        super().__init__()
        self.backbone = backbone
        self.mask_token = nn.Parameter(torch.zeros(1, 1, DIM))
        nn.init.trunc_normal_(self.mask_token, std=0.02)
        self.cls_pt_layers = nn.ModuleList(
            Block(DIM, HEADS, qkv_bias=True, init_values=INIT_VALUES) for _ in range(HEAD_LAYERS))

    def forward(self, images, mask):
        b = self.backbone
        x = b.patch_embed(images)
        w = mask.unsqueeze(-1).type_as(x)
        x = x * (1 - w) + self.mask_token * w
        x = torch.cat((b.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        bias = b.rel_pos_bias()
        early = None
        for i, blk in enumerate(b.blocks):
            x = blk(x, shared_rel_pos_bias=bias)
            if i + 1 == EARLY_LAYERS:
                early = x[:, 1:]
        x_pt = torch.cat((x[:, :1], early), dim=1)
        for blk in self.cls_pt_layers:
            x_pt = blk(x_pt, shared_rel_pos_bias=bias)
        mim = b.head(b.norm(x)[:, 1:][mask])
        agg = b.head(b.norm(x_pt)[:, 1:][mask])
        return mim, agg


def backbone() -> Beit:
    return Beit(img_size=IMG, patch_size=PATCH, in_chans=CHANS, num_classes=VOCAB, global_pool='',
                embed_dim=DIM, depth=DEPTH, num_heads=HEADS, mlp_ratio=4.0, qkv_bias=True,
                init_values=INIT_VALUES, use_abs_pos_emb=False, use_rel_pos_bias=False,
                use_shared_rel_pos_bias=True)


def plain_loss(model: Beit, images, mask, labels):
    tokens = model.forward_features(images)[:, 1:][mask]
    return F.cross_entropy(model.head(tokens), labels)


def beitv2_loss(model: BeitV2Pretraining, images, mask, labels):
    mim, agg = model(images, mask)
    return F.cross_entropy(mim, labels) + F.cross_entropy(agg, labels)


def authors_groups(model: nn.Module, weight_decay: float):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        exempt = p.ndim <= 1 or name.endswith('.bias') or name.endswith('cls_token')
        (no_decay if exempt else decay).append(p)
    return [{'params': no_decay, 'weight_decay': 0.0}, {'params': decay, 'weight_decay': weight_decay}]


def random_batch(batch: int, generator: torch.Generator):
    images = torch.randn(batch, CHANS, IMG, IMG, generator=generator)
    # Exactly MASKED patches per image; where they lie does not change the cost.
    order = torch.rand(batch, PATCHES, generator=generator).argsort(dim=1)
    mask = torch.zeros(batch, PATCHES, dtype=torch.bool)
    mask.scatter_(1, order[:, :MASKED], True)
    labels = torch.randint(0, VOCAB, (batch * MASKED,), generator=generator)
    return images, mask, labels


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--variant', choices=['plain', 'beitv2'], default='beitv2')
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--threads', type=int, required=True)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--steps', type=int, default=5)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = backbone() if args.variant == 'plain' else BeitV2Pretraining(backbone())
    loss_fn = plain_loss if args.variant == 'plain' else beitv2_loss
    optimizer = torch.optim.AdamW(authors_groups(model, 0.05), lr=1e-4, betas=(0.9, 0.98))
    generator = torch.Generator().manual_seed(1)
    batches = [random_batch(args.batch, generator) for _ in range(4)]

    def step(i):
        images, mask, labels = batches[i % len(batches)]
        loss = loss_fn(model, images, mask, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 3.0)
        optimizer.step()
        return loss.item()

    model.train()
    for i in range(args.warmup):
        step(i)
    durations = []
    for i in range(args.steps):
        start = time.perf_counter()
        loss = step(i)
        durations.append(time.perf_counter() - start)
    print(json.dumps({
        'impl': 'timm', 'variant': args.variant, 'timm': __import__('timm').__version__,
        'torch': torch.__version__, 'threads': torch.get_num_threads(), 'batch': args.batch,
        'steps': args.steps, 'masked_per_image': MASKED,
        'parameters': sum(p.numel() for p in model.parameters()),
        'train_steps_per_s': 1 / statistics.median(durations),
        'train_median_step_s': statistics.median(durations), 'train_step_s': durations, 'last_loss': loss,
    }))


if __name__ == '__main__':
    main()
