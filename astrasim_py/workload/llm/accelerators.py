"""Accelerator presets for the roofline compute model: peak FLOP/s per dtype and memory bandwidth."""

from __future__ import annotations

from dataclasses import dataclass

from astrasim_py.errors import InputError

# Dense (no sparsity) peak tensor throughput in TFLOP/s and HBM bandwidth in GB/s (1e9 B/s), from
# the vendors' data sheets: H100 SXM5 80GB, A100 SXM4 80GB, MI300X OAM.
_PRESETS = {
    "H100": {"tflops": {"fp32": 66.9, "tf32": 494.7, "bf16": 989.4, "fp16": 989.4, "fp8": 1978.9},
             "mem_gbps_bytes": 3350.0},
    "A100": {"tflops": {"fp32": 19.5, "tf32": 156.0, "bf16": 312.0, "fp16": 312.0},
             "mem_gbps_bytes": 2039.0},
    "MI300X": {"tflops": {"fp32": 163.4, "tf32": 653.7, "bf16": 1307.4, "fp16": 1307.4, "fp8": 2614.9},
               "mem_gbps_bytes": 5300.0},
}
DTYPE_BYTES = {"fp32": 4, "tf32": 4, "bf16": 2, "fp16": 2, "fp8": 1}


@dataclass(frozen=True)
class Accelerator:
    """One device as the roofline sees it."""

    name: str
    dtype: str
    peak_tflops: float  # at this dtype, times the efficiency factor
    mem_bw_gbytes_per_s: float  # GB/s with GB = 1e9 bytes (ASTRA-sim's local-mem-bw unit)

    def compute_ns(self, flops: int, bytes_moved: int) -> int:
        """ASTRA-sim's roofline time: floor(flops / min(bw x flops/bytes, peak) x 1e9) ns."""
        if bytes_moved == 0 or flops == 0:
            return 0
        peak = self.peak_tflops * 1e12
        perf = min(self.mem_bw_gbytes_per_s * 1e9 * flops / bytes_moved, peak)
        return int(flops / perf * 1e9)


def accelerator_names() -> list[str]:
    """Preset names accepted by --accelerator."""
    return sorted(_PRESETS)


def get_accelerator(name: str, dtype: str = "bf16", efficiency: float = 1.0) -> Accelerator:
    """A preset at one dtype; efficiency scales the peak (e.g. 0.5 for a 50% achievable MFU)."""
    key = name.upper()
    if key not in _PRESETS:
        raise InputError(f"unknown accelerator {name!r}", field="--accelerator",
                         fix=f"use one of {', '.join(sorted(_PRESETS))}")
    table = _PRESETS[key]["tflops"]
    if dtype not in table:
        raise InputError(f"{key} has no {dtype} peak", field="--dtype", fix=f"use one of {', '.join(table)}")
    if not 0 < efficiency <= 1:
        raise InputError(f"efficiency {efficiency} is outside (0, 1]", field="--compute-efficiency",
                         fix="give a fraction such as 0.6")
    return Accelerator(key, dtype, table[dtype] * efficiency, _PRESETS[key]["mem_gbps_bytes"])
