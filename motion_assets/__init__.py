"""motion_assets: discovering action types in motion-tokenizer output, as Dagster assets."""

import os
import sys

# OpenMP reads its wait policy once, when torch loads it: waiting threads must sleep, not
# spin, or two torch threads collapse whenever another process holds a core
# (core/encoder/threads.py has the measurements). Set here, before any module imports torch;
# an operator's own OMP_WAIT_POLICY wins.
if "torch" not in sys.modules:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
