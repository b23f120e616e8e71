"""Tests of logviz_assets/store/."""
