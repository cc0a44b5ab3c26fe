// An empty ES module: start-up's floor, what importing any ES module file costs a runtime.
