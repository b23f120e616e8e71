"""Index: the text of a record, its vector (fp32, bf16, int8), LanceDB, the 2D layout, the Index operation."""
