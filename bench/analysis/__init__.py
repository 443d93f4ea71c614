"""Analysis of stored rows: metrics, the two-level bootstrap, estimates of a run, generated
sentences, the front page's answer and the cookbook's claims (docs/metrics.md)."""
