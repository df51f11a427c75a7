"""docs/api.md (every Tensor method and autograd function, with the op behind it) is current."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_api_table_is_current():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "api_table.py"), "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
