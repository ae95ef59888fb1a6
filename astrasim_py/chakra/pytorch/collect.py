"""`chakra collect`: record a small N-rank PyTorch job on CPU (gloo) with host + Kineto traces per rank.

Each rank is its own process (`python -m astrasim_py.chakra.pytorch.collect --worker ...`) that
trains a 3-layer MLP under DDP and, in the last step, also issues an all_reduce of 1000 floats, a
broadcast and a send/recv ring, so every collective kind the converter maps appears. The profiler
records only the last step (schedule wait=0, warmup=steps-1, active=1), with the
ExecutionTraceObserver attached: host_<rank>.json and device_<rank>.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys

from astrasim_py.errors import InputError

WORKER_TIMEOUT_S = 600


def torch_available() -> bool:
    """True when torch can be imported (the optional `pytorch` extra)."""
    return importlib.util.find_spec("torch") is not None


def collect(output_dir: str, ranks: int = 2, steps: int = 2, port: int = 29533) -> list[tuple[str, str]]:
    """Run the job with `ranks` processes; returns [(host trace, device trace)] per rank."""
    if not torch_available():
        raise InputError("torch is not installed", field="collect",
                         fix="pip install '.[pytorch]' (a CPU-only torch build is enough)")
    if ranks < 1 or steps < 1:
        raise InputError("--ranks and --steps must be >= 1", field="ranks", fix="e.g. --ranks 2 --steps 2")
    os.makedirs(output_dir, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_repo_root(), os.environ.get("PYTHONPATH")])))
    procs = [subprocess.Popen([sys.executable, "-m", "astrasim_py.chakra.pytorch.collect", "--worker",
                               str(rank), str(ranks), output_dir, str(port), str(steps)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
             for rank in range(ranks)]
    failures = []
    for rank, proc in enumerate(procs):
        try:
            _out, err = proc.communicate(timeout=WORKER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            for other in procs:
                other.kill()
            raise InputError(f"rank {rank} did not finish in {WORKER_TIMEOUT_S} s", field="collect",
                             fix=f"check that port {port} on 127.0.0.1 is free (--port)") from None
        if proc.returncode != 0:
            lines = err.decode(errors="replace").strip().splitlines()
            failures.append(f"rank {rank}: {lines[-1] if lines else 'exit ' + str(proc.returncode)}")
    if failures:
        raise InputError("; ".join(failures), field="collect",
                         fix=f"check that port {port} on 127.0.0.1 is free (--port)")
    return [(os.path.join(output_dir, f"host_{r}.json"), os.path.join(output_dir, f"device_{r}.json"))
            for r in range(ranks)]


def _repo_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _worker(rank: int, world: int, outdir: str, port: int, steps: int) -> None:
    import torch
    import torch.distributed as dist
    from torch import nn
    from torch.profiler import ExecutionTraceObserver, ProfilerActivity, profile, schedule

    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    observer = ExecutionTraceObserver()
    observer.register_callback(os.path.join(outdir, f"host_{rank}.json"))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    ddp = nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1)
    x, y = torch.randn(32, 64), torch.randint(0, 10, (32,))

    def export(prof) -> None:
        prof.export_chrome_trace(os.path.join(outdir, f"device_{rank}.json"))

    with profile(activities=[ProfilerActivity.CPU], schedule=schedule(wait=0, warmup=steps - 1, active=1),
                 on_trace_ready=export, execution_trace_observer=observer, record_shapes=True) as prof:
        for _step in range(steps):
            optimizer.zero_grad()
            nn.functional.cross_entropy(ddp(x), y).backward()
            buf = torch.ones(1000)
            dist.all_reduce(buf)
            dist.broadcast(buf, 0)
            if world > 1:  # a ring: even ranks send first so that it cannot deadlock
                right, left = (rank + 1) % world, (rank - 1) % world
                out_buf, in_buf = torch.ones(10), torch.zeros(10)
                if rank % 2 == 0:
                    dist.send(out_buf, right)
                    dist.recv(in_buf, left)
                else:
                    dist.recv(in_buf, left)
                    dist.send(out_buf, right)
            optimizer.step()
            prof.step()
    dist.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    """Worker entry point (one rank) or a stand-alone collector."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker", nargs=5, metavar=("RANK", "WORLD", "DIR", "PORT", "STEPS"))
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--output", default="pytorch_traces")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--port", type=int, default=29533)
    args = parser.parse_args(argv)
    if args.worker:
        rank, world, outdir, port, steps = args.worker
        _worker(int(rank), int(world), outdir, int(port), int(steps))
        return 0
    try:
        for host, device in collect(args.output, args.ranks, args.steps, args.port):
            print(host, device)
    except InputError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
