"""logviz: agent run logs in, a living embedding map out."""
