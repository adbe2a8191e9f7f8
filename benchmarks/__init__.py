"""ownstack benchmarks: `make bench` (python -m benchmarks.run) runs every scenario at once."""
