print("RAN harness-stdin")
