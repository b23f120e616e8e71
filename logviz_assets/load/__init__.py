"""Load: the DataSource (scan, classify), reading one file, and the Load operation."""
