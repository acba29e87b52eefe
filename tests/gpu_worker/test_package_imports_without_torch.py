"""The web side imports the package's light modules without paying for torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_importing_the_interface_does_not_import_torch_or_django():
    code = (
        "import sys, gpu_worker, gpu_worker.interface, gpu_worker.errors, gpu_worker.signature; "
        "print('torch' in sys.modules, 'django' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]

    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)

    assert out.stdout.split() == ["False", "False"]
