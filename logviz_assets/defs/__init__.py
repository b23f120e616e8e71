"""The Dagster wiring: the only package of logviz that imports Dagster."""
