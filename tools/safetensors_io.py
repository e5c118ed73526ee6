"""Minimal safetensors writer (and header reader), written from the format description:

    [8 bytes: little-endian u64 N][N bytes: UTF-8 JSON header][data bytes]

The header maps tensor name -> {"dtype", "shape", "data_offsets": [begin, end]} with offsets
relative to the start of the data section; the optional "__metadata__" entry maps str -> str.
Tensors are stored contiguously, row-major, little-endian. The header is padded with spaces so
that the data section starts at an 8-byte aligned offset.
"""

import json
import struct

import numpy as np
import torch

_DTYPES = {
    "F32": (torch.float32, 4),
    "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2),
    "F64": (torch.float64, 8),
}


def tensor_bytes(t, dtype):
    """Raw little-endian bytes of tensor t converted to safetensors dtype `dtype`."""
    tdtype, _ = _DTYPES[dtype]
    t = t.detach().to("cpu").to(tdtype).contiguous()
    if dtype == "BF16":
        # numpy has no bfloat16: reinterpret the 2-byte payload as int16.
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    np_dtype = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}[dtype]
    return t.numpy().astype(np_dtype).tobytes()


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """tensors: ordered dict name -> torch tensor. All stored as `dtype` (F32/F16/BF16/F64)."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        b = tensor_bytes(t, dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    pad = (8 - (8 + len(hjson)) % 8) % 8
    hjson += b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)
    return 8 + len(hjson) + offset


def read_header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n).decode("utf-8")), 8 + n
