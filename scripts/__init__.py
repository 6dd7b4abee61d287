"""Operational entry points that are not the service (evaluation, benchmarks, training)."""
