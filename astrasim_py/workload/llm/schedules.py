"""Pipeline schedules: the order of forward (F) and backward (B) micro-batch passes on one stage."""

from __future__ import annotations

from astrasim_py.errors import InputError

SCHEDULES = ("1f1b", "gpipe")


def stage_order(schedule: str, stage: int, stages: int, micro_batches: int) -> list[tuple[str, int]]:
    """[("F", mb) | ("B", mb), ...] for one stage.

    GPipe: every forward, then every backward (in reverse micro-batch order so the last
    activation is consumed first). 1F1B (PipeDream-flush): stages-1-stage warm-up forwards,
    then alternate one forward and one backward, then drain the remaining backwards.
    """
    if schedule == "gpipe":
        return [("F", m) for m in range(micro_batches)] + [("B", m) for m in reversed(range(micro_batches))]
    if schedule != "1f1b":
        raise InputError(f"unknown pipeline schedule {schedule!r}", field="--schedule",
                         fix=f"use one of {', '.join(SCHEDULES)}")
    warmup = min(stages - 1 - stage, micro_batches)
    order = [("F", m) for m in range(warmup)]
    next_f, next_b = warmup, 0
    while next_b < micro_batches:
        if next_f < micro_batches:
            order.append(("F", next_f))
            next_f += 1
        order.append(("B", next_b))
        next_b += 1
    return order


def bubble_fraction(stages: int, micro_batches: int) -> float:
    """Idle share of a synchronous pipeline: (p - 1) / (m + p - 1)."""
    return (stages - 1) / (micro_batches + stages - 1)
