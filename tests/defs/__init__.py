"""Tests of logviz_assets/defs/."""
