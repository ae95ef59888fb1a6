#!/usr/bin/env python3
"""Record an N-rank CPU/gloo PyTorch job: host (ExecutionTraceObserver) + Kineto traces per rank.

Usage: PYTHONPATH=. python scripts/collect_pytorch_trace.py --ranks 2 --output traces/pt [--steps 2]
Needs torch (pip install '.[pytorch]'). Same as `astrasim-py chakra collect`.
Then: astrasim-py chakra link --rank R --host DIR/host_R.json --device DIR/device_R.json --output DIR/merged_R.json
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from astrasim_py.chakra.pytorch.collect import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
