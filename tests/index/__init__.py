"""Tests of logviz_assets/index/."""
