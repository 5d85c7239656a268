# SPDX-License-Identifier: MIT OR Apache-2.0
print("RAN harness-stdin")
