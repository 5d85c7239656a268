# SPDX-License-Identifier: MIT OR Apache-2.0
"""Load code from DIR the way ACTION says; the policy matrix runs it.

    python drive.py ACTION DIR

Prints what the loaded code prints ("RAN ..."), or "REFUSED <exception>"
and exits 3 when loading raised PermissionError or ImportError.
"""
import importlib
import runpy
import site
import sys

action, where = sys.argv[1:]
loads = {
    "import": lambda: (sys.path.insert(0, where), importlib.import_module("m_src")),
    "sourceless": lambda: (sys.path.insert(0, f"{where}/sl"), importlib.import_module("m_sl")),
    "zipimport": lambda: (sys.path.insert(0, f"{where}/z.zip"), importlib.import_module("m_zip")),
    "ext": lambda: (sys.path.insert(0, where), print("RAN", importlib.import_module("m_ext").name())),
    "run_path": lambda: runpy.run_path(f"{where}/script.py"),
    "pth": lambda: site.addsitedir(f"{where}/site"),
}
try:
    loads[action]()
except (PermissionError, ImportError) as exc:
    print("REFUSED", exc)
    sys.exit(3)
