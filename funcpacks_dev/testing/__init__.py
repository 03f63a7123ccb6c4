"""Helpers the tests and the benchmarks share: local HTTP servers, the mirrored
dependencies, and a runner of the Shipwright BuildStrategy steps on Docker."""
