"""Analysis of stored rows: metrics, summaries over seeds, generated sentences."""
