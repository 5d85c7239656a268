# SPDX-License-Identifier: MIT OR Apache-2.0
"""The web service of the whole-system test, run with DENY_INTERACTIVE.

GET /hello answers with the installed package's greeting (the workload).
POST /run?lang=LANG runs the request's body as code through an interpreter:
the injection bug an attacker finds in a real service, made explicit.
Under DENY_INTERACTIVE every interpreter refuses the inline code.
"""
import subprocess
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import greeting

# lang -> (argv with the code as an argument, or None for standard input)
RUNNERS = {
    "python": (["/usr/local/bin/python3", "-c"], True),
    "python-stdin": (["/usr/local/bin/python3", "-"], False),
    "sh": (["/bin/sh", "-c"], True),
    "bash": (["/bin/bash", "-c"], True),
    "perl": (["/usr/bin/perl", "-e"], True),
}


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/hello":
            self.answer(200, greeting.text() + "\n")
        else:
            self.answer(404, "no such page\n")

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        lang = urllib.parse.parse_qs(url.query).get("lang", [""])[0]
        if url.path != "/run" or lang not in RUNNERS:
            self.answer(404, "no such runner\n")
            return
        code = self.rfile.read(int(self.headers["Content-Length"])).decode()
        argv, as_argument = RUNNERS[lang]
        result = subprocess.run(argv + ([code] if as_argument else []),
                                input=None if as_argument else code,
                                capture_output=True, text=True, timeout=30)
        self.answer(200, result.stdout + result.stderr)


ThreadingHTTPServer(("127.0.0.1", 8080), Handler).serve_forever()
