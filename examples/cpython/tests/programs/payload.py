# SPDX-License-Identifier: MIT OR Apache-2.0
"""Write the files the policy matrix loads into DIR, with MODE.

    python payload.py DIR MODE EXTENSION_SO

Run by the interpreter under test, so that .pyc files carry its magic number.
"""
import os
import py_compile
import shutil
import sys
import zipfile

where, mode, extension = sys.argv[1], int(sys.argv[2], 8), sys.argv[3]


def write(name, text):
    path = os.path.join(where, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


write("m_src.py", 'print("RAN m_src")\n')
write("script.py", 'print("RAN script")\n')
write("startup.py", 'print("RAN startup")\n')
write("stdin.py", 'print("RAN stdin")\n')
write("site/m.pth", 'import sys; print("RAN pth")\n')
# A .pyc run as the main script, and one imported without its source.
py_compile.compile(os.path.join(where, "script.py"), cfile=os.path.join(where, "script.pyc"))
source = write("sl/m_sl.py", 'print("RAN m_sl")\n')
py_compile.compile(source, cfile=os.path.join(where, "sl/m_sl.pyc"))
os.remove(source)
with zipfile.ZipFile(os.path.join(where, "z.zip"), "w") as z:
    z.writestr("m_zip.py", 'print("RAN m_zip")\n')
write("appdir/__main__.py", 'print("RAN appdir")\n')
with zipfile.ZipFile(os.path.join(where, "app.zip"), "w") as z:
    z.writestr("__main__.py", 'print("RAN app")\n')
shutil.copy(extension, where)

for dirpath, _, names in os.walk(where):
    for name in names:
        os.chmod(os.path.join(dirpath, name), mode)
