"""The `astrasim-py` command line: run, chakra, topology, sweep."""

from __future__ import annotations

import argparse
import importlib
import sys

from astrasim_py import __version__
from astrasim_py.errors import EXIT_INPUT_ERROR, EXIT_SIM_ERROR, InputError, SimulationError

# Each sub-command lives in its own module exposing add_parser(subparsers); the parser it
# adds sets `func`, called with the parsed arguments and returning an exit code.
SUBCOMMANDS = (
    "astrasim_py.run_cli",
    "astrasim_py.chakra.cli",
    "astrasim_py.topology.cli",
    "astrasim_py.sweep.cli",
    "astrasim_py.report.cli",
    "astrasim_py.workload.llm.cli",
    "astrasim_py.network.ns3.preset_cli",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command (or only the module named `only`)."""
    parser = argparse.ArgumentParser(prog="astrasim-py", description=__doc__)
    parser.add_argument("--version", action="version", version=f"astrasim-py {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for module_name in SUBCOMMANDS if only is None else (only,):
        importlib.import_module(module_name).add_parser(sub)
    return parser


# `astrasim-py run ...` (and `sweep ...`, whose points each start a run) builds only its own parser: the other sub-commands import protobuf
# tooling, numpy, networkx, matplotlib and tqdm, which a simulation never needs (start-up time).
FAST_SUBCOMMANDS = {"run": "astrasim_py.run_cli", "sweep": "astrasim_py.sweep.cli"}


def _stop_on_sigterm() -> None:
    """SIGTERM ends a run as Ctrl-C does (exit 130, partial results); only in the main thread."""
    import signal
    import threading

    def interrupt(signum, frame):
        raise KeyboardInterrupt("SIGTERM")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def _quiet_broken_pipe() -> int:
    """stdout's reader went away (`... | head`): drop further output, exit without a traceback."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, dispatch, and turn user errors into one line and exit code 2."""
    args_in = sys.argv[1:] if argv is None else argv
    parser = build_parser(FAST_SUBCOMMANDS.get(args_in[0]) if args_in else None)
    args = parser.parse_args(args_in)
    if argv is None:  # the console script, not an in-process call from tests
        _stop_on_sigterm()
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except InputError as exc:
        print(f"astrasim-py: error: {exc.one_line()}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except SimulationError as exc:
        print(f"astrasim-py: simulation error: {exc}", file=sys.stderr)
        return EXIT_SIM_ERROR
    except KeyboardInterrupt:
        print("astrasim-py: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
