"""Exports the tokenizing half of a BEiT v2 VQ-KD tokenizer as a TorchScript file for beit-stream.

The traced module follows the contract of docs/TOKENIZER.md ("TorchScript tokenizers"): float32 images
[B, C, H, W] in [0, 1] in, token ids int64 [B, N] out. It is the authors' tokenizer forward rebuilt in plain
PyTorch from its description in shared/oracle/README.md (not copied from their code): the data-dependent
`pre_process`, the encoder ViT under the authors' state-dict keys, `fc_norm` of the patch tokens,
`encode_task_layer` (Linear-Tanh-Linear), l2-normalisation, and the nearest code of the l2-normalised codebook
(first index on ties). The decoder and the teacher are not needed to tokenize and are left out.

Geometry (patch size, width, depth, MLP width, grid, code dim, codebook size) is read from the weights'
shapes; only the number of attention heads is not in them (--heads). --check IO.safetensors asserts that
the traced module gives exactly `out.embed_ind` on `in.images` (and the encoder `out.encoder_features`). Weights are safetensors, or the authors'
`.pth` checkpoint (its `model` entry), for example their ViT-B/16 release:

    python tools/export_vqkd_torchscript.py --weights vqkd_encoder_base_decoder_3x768x12_clip-d5036aa7.pth \
        --heads 12 --out vqkd_b16.pt
    ./beit-stream publish-tokenizer --torchscript vqkd_b16.pt --version beitv2-b16 --image-size 224 \
        --channels 3 --vocab 8192

The test fixture model/src/test/resources/torchscript/vqkd-setA.pt was made with torch 2.13.0
(CPU) from the authors' set-A reference weights (32x32 RGB, patch 8, 4x4 tokens, 128 codes), by:

    /tmp/timm-venv/bin/python tools/export_vqkd_torchscript.py \
        --weights ../shared/oracle/setA/vqkd.weights.safetensors --heads 2 \
        --check ../shared/oracle/setA/vqkd.io.safetensors \
        --out model/src/test/resources/torchscript/vqkd-setA.pt
"""
import argparse
import json
import math
import struct

import torch
import torch.nn.functional as F
from torch import nn

LAYER_NORM_EPS = 1e-6  # the authors' VQ-KD encoder
SAFETENSORS_DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "BOOL": torch.bool}


def read_safetensors(path):
    """The format of shared/oracle/README.md: u64 header length, JSON header, raw little-endian data."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[begin:end])  # a writable copy: frombuffer shares memory with it
        tensors[name] = torch.frombuffer(raw, dtype=SAFETENSORS_DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return tensors


def read_weights(path):
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    return checkpoint.get("model", checkpoint)


def pre_process(images):
    """The authors' pre_process to [-1, 1]: a batch whose maximum is at most 1 is taken to be in [0, 1].
    torch.where keeps the switch in the traced graph, where a Python `if` would freeze the example's branch."""
    return torch.where(images.max() <= 1, images * 255, images) / 127.5 - 1


class Attention(nn.Module):
    """Fused qkv projection with separate q and v biases; the k bias is fixed at zero."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(dim))
        self.v_bias = nn.Parameter(torch.zeros(dim))
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        bias = torch.cat([self.q_bias, torch.zeros_like(self.v_bias), self.v_bias])
        q, k, v = F.linear(x, self.qkv.weight, bias).reshape(b, n, 3, self.heads, -1).permute(2, 0, 3, 1, 4).unbind(0)
        q = q * (d // self.heads) ** -0.5
        attention = (q @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attention @ v).transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))  # erf GELU, as the authors'


class Block(nn.Module):
    """Pre-norm transformer block without layer scale (VQ-KD sets init_values 0)."""

    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.mlp = Mlp(dim, hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Encoder(nn.Module):
    """The VQ-KD encoder ViT: absolute position embedding, class token, fc_norm on the patch tokens."""

    def __init__(self, channels, patch, dim, depth, heads, hidden, patches):
        super().__init__()
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(channels, dim, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, patches + 1, dim))
        self.blocks = nn.ModuleList(Block(dim, heads, hidden) for _ in range(depth))
        self.fc_norm = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)

    def forward(self, images):
        x = self.patch_embed.proj(images).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.fc_norm(x[:, 1:])


class VqkdTokens(nn.Module):
    def __init__(self, weights, heads):
        super().__init__()
        dim, channels, patch, _ = weights["encoder.patch_embed.proj.weight"].shape
        patches = weights["encoder.pos_embed"].shape[1] - 1
        depth = len({k.split(".")[2] for k in weights if k.startswith("encoder.blocks.")})
        hidden = weights["encoder.blocks.0.mlp.fc1.weight"].shape[0]
        codes, code_dim = weights["quantize.embedding.weight"].shape
        self.encoder = Encoder(channels, patch, dim, depth, heads, hidden, patches)
        self.encode_task_layer = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, code_dim))
        self.register_buffer("codebook", torch.zeros(codes, code_dim))
        self.image_size = math.isqrt(patches) * patch
        self.channels = channels

    def forward(self, images):
        z = F.normalize(self.encode_task_layer(self.encoder(pre_process(images))), dim=-1)
        codebook = F.normalize(self.codebook, dim=-1)
        distance = z.pow(2).sum(-1, keepdim=True) + codebook.pow(2).sum(-1) - 2 * z @ codebook.t()
        return distance.argmin(dim=-1)  # the first index on ties, as the authors'


def build(weights, heads):
    model = VqkdTokens(weights, heads)
    wanted = {k: v for k, v in weights.items() if k.startswith(("encoder.", "encode_task_layer."))}
    wanted["codebook"] = weights["quantize.embedding.weight"]
    model.load_state_dict(wanted, strict=True)  # every encoder tensor of the checkpoint is used, none missing
    return model.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", required=True, help="VQ-KD weights: .safetensors or the authors' .pth")
    parser.add_argument("--heads", type=int, required=True, help="attention heads of the encoder (12 for ViT-B)")
    parser.add_argument("--out", required=True, help="the TorchScript file to write")
    parser.add_argument("--check", help="reference io .safetensors: ids on in.images must equal out.embed_ind")
    args = parser.parse_args()

    model = build(read_weights(args.weights), args.heads)
    example = torch.rand(2, model.channels, model.image_size, model.image_size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
        for batch in (1, 3):  # the batch size must not be frozen into the trace
            images = torch.rand(batch, *example.shape[1:])
            assert torch.equal(traced(images), model(images)), f"traced and eager ids differ at batch {batch}"
        if args.check:
            io = read_safetensors(args.check)
            expected = io["out.embed_ind"].reshape(io["in.images"].shape[0], -1)
            actual = traced(io["in.images"])
            assert torch.equal(actual, expected), f"ids differ from out.embed_ind:\n{actual}\n{expected}"
            # The ids alone hardly depend on the head count on small random weights; the features do.
            features = model.encoder(pre_process(io["in.images"]))
            error = (features - io["out.encoder_features"]).abs().max().item()
            assert error < 1e-4, f"encoder features differ from out.encoder_features by {error}: is --heads right?"
            print(f"check: {actual.numel()} ids equal out.embed_ind of {args.check}")
    traced.save(args.out)
    print(f"{args.out}: {model.image_size}x{model.image_size}x{model.channels} -> "
          f"{traced(example).shape[1]} tokens of {model.codebook.shape[0]} codes")


if __name__ == "__main__":
    main()
