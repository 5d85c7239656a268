print("RAN script_ok")
