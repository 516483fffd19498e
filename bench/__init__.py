"""Benchmarks at CRM scale (`make bench`): figures, and ratios against baselines in the same run."""
