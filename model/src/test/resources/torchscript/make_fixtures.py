"""Regenerates the tiny TorchScript tokenizers of the contract tests (32x32 RGB in, 128-code vocabulary).

Run with torch (2.13.0 made the committed files) from this directory: python make_fixtures.py
vqkd-setA.pt, the real one, comes from tools/export_vqkd_torchscript.py (see its docstring).

  brightness-grid.pt  valid, shaped like BEiT v1's DALL-E tokens: int32 [B, 4, 4], the mean brightness of each
                      8x8 patch in 128 levels (0 for black, 127 for white)
  float-ids.pt        float32 [B, 16]: ids must be integers
  non-square.pt       int64 [B, 5]: 5 tokens are no square grid
  out-of-range.pt     int64 [B, 16], every id 128: outside a 128-code vocabulary
"""
import torch
from torch import nn
import torch.nn.functional as F


class BrightnessGrid(nn.Module):
    def forward(self, images):
        return (F.avg_pool2d(images.mean(1), 8) * 127.999).floor().int()


class FloatIds(nn.Module):
    def forward(self, images):
        return F.avg_pool2d(images.mean(1), 8).flatten(1)


class NonSquare(nn.Module):
    def forward(self, images):
        return images[:, 0, 0, :5].long()


class OutOfRange(nn.Module):
    def forward(self, images):
        return torch.zeros_like(images[:, 0, :4, :4]).flatten(1).long() + 128


example = torch.rand(2, 3, 32, 32)
for name, module in {"brightness-grid": BrightnessGrid(), "float-ids": FloatIds(), "non-square": NonSquare(),
                     "out-of-range": OutOfRange()}.items():
    torch.jit.trace(module, example).save(f"{name}.pt")
