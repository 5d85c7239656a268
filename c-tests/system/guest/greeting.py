# SPDX-License-Identifier: MIT OR Apache-2.0
"""An installed module: the web service and a user's venv import it."""


def text():
    return "hello from an installed package"
