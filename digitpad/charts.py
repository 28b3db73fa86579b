"""Plotly figures and display images for the pages, built from plain arrays."""

import cv2
import numpy as np
import plotly.graph_objects as go

DIGITS = [str(d) for d in range(10)]
TOP_COLOUR = "#e4572e"
OTHER_COLOUR = "#8da0cb"


def probability_bars(probs: np.ndarray, title: str) -> go.Figure:
    """Bars of the 10 digit probabilities, the chosen digit highlighted."""
    top = int(np.argmax(probs))
    colours = [TOP_COLOUR if d == top else OTHER_COLOUR for d in range(10)]
    figure = go.Figure(
        go.Bar(
            x=DIGITS,
            y=probs,
            marker_color=colours,
            text=[f"{p:.0%}" if p >= 0.01 else "" for p in probs],
            textposition="outside",
            hovertemplate="digit %{x}: %{y:.1%}<extra></extra>",
        )
    )
    figure.update_layout(
        title=title,
        height=260,
        margin=dict(l=10, r=10, t=40, b=10),
        yaxis=dict(range=[0, 1.15], tickformat=".0%", showgrid=False),
        xaxis=dict(type="category", title=None),
        showlegend=False,
    )
    return figure


def tile(maps: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """Lay (N, H, W) maps out in a grid, separated by NaN gaps that Plotly leaves blank."""
    count, height, width = maps.shape
    rows = -(-count // columns)
    mosaic = np.full(
        (rows * (height + gap) - gap, columns * (width + gap) - gap), np.nan, np.float32
    )
    for i, one in enumerate(maps):
        top, left = (i // columns) * (height + gap), (i % columns) * (width + gap)
        mosaic[top : top + height, left : left + width] = one
    return mosaic


def heatmap_grid(
    maps: np.ndarray, columns: int, title: str, colorscale: str = "Viridis", zmid=None
) -> go.Figure:
    """Many small heatmaps (filters, feature maps) as one figure with a single trace."""
    figure = go.Figure(
        go.Heatmap(
            z=tile(maps, columns),
            colorscale=colorscale,
            zmid=zmid,
            showscale=False,
            hoverongaps=False,
            hovertemplate="%{z:.2f}<extra></extra>",
        )
    )
    figure.update_layout(
        title=title,
        height=260,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(visible=False, constrain="domain"),
        yaxis=dict(visible=False, autorange="reversed", scaleanchor="x"),
    )
    return figure


def pixelated(image: np.ndarray, size: int = 112) -> np.ndarray:
    """Enlarge a small image with hard pixel edges, so 28x28 reads as 28x28 on screen."""
    height, width = image.shape[:2]
    scale = size / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(np.clip(image, 0, 1), new_size, interpolation=cv2.INTER_NEAREST)


def shrunk(image: np.ndarray, size: int = 112) -> np.ndarray:
    """Reduce a large image smoothly for a thumbnail."""
    height, width = image.shape[:2]
    scale = min(1.0, size / max(height, width))
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, new_size, interpolation=cv2.INTER_AREA)
