"""A small scatter image of the map, for the metadata of the projection's materialization."""

from __future__ import annotations

import base64
import io

import numpy as np

KIND_COLOURS = {
    "run": "#222222",
    "message": "#1f77b4",
    "reasoning": "#9467bd",
    "tool_call": "#2ca02c",
    "tool_result": "#ff7f0e",
    "llm_call": "#8c564b",
}


def scatter_png(xy: np.ndarray, kinds: list[str], size_inches: float = 3.2) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(size_inches, size_inches), dpi=90)
    colours = [KIND_COLOURS.get(kind, "#7f7f7f") for kind in kinds]
    if len(xy):
        axes.scatter(xy[:, 0], xy[:, 1], s=2, c=colours, linewidths=0, alpha=0.7)
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_title(f"{len(xy)} points", fontsize=8)
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def markdown_image(png: bytes) -> str:
    return f"![map preview](data:image/png;base64,{base64.b64encode(png).decode()})"
