"""What a running service answers from: the services of one snapshot (``services``),
swapped without downtime (``live``), and re-index jobs (``reindex``)."""
