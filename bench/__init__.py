"""Benchmarks (run with `make bench`, never by `make test`)."""
