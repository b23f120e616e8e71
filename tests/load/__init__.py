"""Tests of logviz_assets/load/."""
