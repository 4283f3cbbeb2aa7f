"""Pictures of training (matplotlib; install with `pip install -e ".[plot]"`).

    image_grid(images)                 (N, C, H, W) in [-1, 1] -> one (H', W', C) uint8 mosaic
    show_images(ax, images, nrow, title, labels)   that mosaic drawn on matplotlib axes
    save_image_grid(images, path)      the mosaic as a PNG
    translation_grid(inputs, outputs, targets)   rows input | output | target (image-to-image)
    plot_losses(history, path)         D and G loss over steps
    plot_d_outputs(history, path)      D(x) and D(G(z)) over steps
    plot_2d(real, fake, path, critic)  real and generated points over the discriminator's contour
    plot_metrics(rows, path)           the metrics recorded during training (FD, ...) over steps
    save_gif(frames, path)             an animated GIF of the fixed-noise grid over training
"""

from __future__ import annotations

import numpy as np


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError('plots need matplotlib: pip install -e ".[plot]"') from err
    return plt


def image_grid(images, nrow: int | None = None, padding: int = 2,
               pad_value: float = 1.0) -> np.ndarray:
    """Tile images (N, C, H, W) with values in [-1, 1] into one uint8 picture (H', W', C).

    nrow: images per row (default: the square root of N, rounded up); the grid has
    min(nrow, N) columns and ceil(N / columns) rows, so H' = rows * (H + padding) + padding and
    W' = columns * (W + padding) + padding (one image alone: no padding, H' = H, W' = W).
    pad_value: the colour between the images, on the images' scale (1 white, 0 grey, -1 black).
    -1 becomes 0 and 1 becomes 255 (values outside [-1, 1] are clamped). This is
    minigan.utils.make_grid(images, normalize=True, value_range=(-1, 1)) as uint8 (the one
    implementation of image grids), keeping C channels (make_grid turns grey into RGB).
    """
    from minigan.utils.images import make_grid, to_uint8

    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4:
        raise ValueError("image_grid expects images of shape (N, C, H, W), got shape "
                         f"{images.shape}")
    if nrow is not None and (isinstance(nrow, bool) or not isinstance(nrow, (int, np.integer))
                             or nrow < 1):
        raise ValueError(f"image_grid: nrow must be a whole number >= 1, got {nrow!r}")
    grid = make_grid(images, nrow=nrow or int(np.ceil(np.sqrt(len(images)))), padding=padding,
                     normalize=True, value_range=(-1, 1), pad_value=(pad_value + 1) / 2)
    return to_uint8(grid.numpy()[:images.shape[1]])


def show_images(ax, images, nrow: int | None = None, title: str | None = None, labels=None,
                padding: int = 1, pad_value: float = 1.0, fontsize=None):
    """Draw a batch of images as one grid on matplotlib axes `ax`; returns imshow's AxesImage.

    images: (N, C, H, W) with values in [-1, 1], C = 1 (grey) or 3 (RGB); a NumPy array or a
    Tensor. The grid is image_grid(images, nrow, padding, pad_value): nrow images per row
    (default: the square root of N, rounded up), `padding` pixels of pad_value between them
    (1 white, 0 grey, -1 black). The scale is fixed: -1 is black and 1 white whatever the images
    hold (imshow's own scaling would stretch their range to black..white: lesson 10 shows why
    that misleads).
    title: the axes' title (fontsize: its size; default matplotlib's axes.titlesize).
    labels: one name per row of the grid, written on the left (the x ticks are removed); without
    labels the axes are hidden (no ticks, no frame).

        fig, ax = plt.subplots(figsize=(9, 2.2))
        show_images(ax, np.concatenate([x[:12], y[:12]]), 12, "the task", ["input", "target"])
        plt.show()
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError("show_images expects images of shape (N, C, H, W) with C = 1 or 3, got "
                         f"shape {images.shape}")
    grid = image_grid(images, nrow, padding, pad_value)          # checks nrow
    n, _, h, _ = images.shape
    columns = min(nrow or int(np.ceil(np.sqrt(n))), n)
    rows = -(-n // columns)
    if labels is not None and len(labels) not in (0, rows):
        raise ValueError(f"show_images: one label per row expected, {rows} rows ({n} images, "
                         f"{columns} to a row), got {len(labels)} labels")
    shown = ax.imshow(grid[..., 0] if grid.shape[2] == 1 else grid, cmap="gray", vmin=0, vmax=255,
                      interpolation="nearest")
    if title is not None:
        ax.set_title(title, **({} if fontsize is None else {"fontsize": fontsize}))
    if labels is None or len(labels) == 0:
        ax.axis("off")
        return shown
    pad = padding if n > 1 else 0          # make_grid does not pad a single image
    ax.set_xticks([])
    ax.set_yticks([pad + r * (h + pad) + (h - 1) / 2 for r in range(rows)], list(labels))
    return shown


def save_image_grid(images, path, nrow: int | None = None, scale: int = 3) -> None:
    """Write image_grid(images) as a PNG, each pixel blown up `scale` times."""
    grid = image_grid(images, nrow)
    grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    plt = _pyplot()
    plt.imsave(path, grid[..., 0] if grid.shape[2] == 1 else grid, cmap="gray", vmin=0, vmax=255)


def translation_grid(inputs, outputs, targets=None) -> np.ndarray:
    """k translations as one batch of images for image_grid(..., nrow=k): the inputs in the first
    row, the outputs in the second, the targets (if given) in the third. Inputs smaller than the
    outputs (super-resolution) are blown up by repeating pixels, so their blocks show."""
    inputs, outputs = np.asarray(inputs, np.float32), np.asarray(outputs, np.float32)
    if inputs.ndim != 4 or outputs.ndim != 4 or len(inputs) != len(outputs):
        raise ValueError(f"translation_grid expects as many inputs as outputs, (N, C, H, W) each, "
                         f"got shapes {inputs.shape} and {outputs.shape}")
    factor = outputs.shape[-1] // inputs.shape[-1]
    if factor > 1:
        inputs = inputs.repeat(factor, axis=2).repeat(factor, axis=3)
    rows = [inputs, outputs] + ([np.asarray(targets, np.float32)] if targets is not None else [])
    return np.concatenate(rows)


def save_translation_grid(inputs, outputs, targets, path, scale: int = 3) -> None:
    """translation_grid as a PNG: input | output | target, one column per example."""
    grid = translation_grid(inputs, outputs, targets)
    save_image_grid(grid, path, nrow=len(outputs), scale=scale)


def _column(history, name):
    steps = [row["step"] for row in history if row.get(name) is not None]
    values = [row[name] for row in history if row.get(name) is not None]
    return steps, values


def plot_losses(history, path) -> None:
    """D and G losses against the step."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, label in (("d_loss", "discriminator"), ("g_loss", "generator")):
        ax.plot(*_column(history, name), label=label, linewidth=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend()
    ax.set_title("GAN losses")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_d_outputs(history, path) -> None:
    """D(x) on real data and D(G(z)) on fakes against the step (0.5 each at the ideal equilibrium
    of the BCE game)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(*_column(history, "d_real"), label="D(x)", linewidth=0.8)
    ax.plot(*_column(history, "d_fake"), label="D(G(z))", linewidth=0.8)
    ax.set_xlabel("step")
    ax.legend()
    ax.set_title("discriminator outputs")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# The metrics plot_metrics draws, in this order, with their labels (others are left out).
METRIC_LABELS = {
    "fd": "Fréchet distance (lower is better)",
    "classifier_score": "classifier score",
    "precision": "precision",
    "recall": "recall",
    "classes_below_half": "classes below half their share",
    "modes_covered": "modes covered",
    "high_quality": "high-quality samples",
    "kl_to_uniform": "KL(modes || uniform)",
}


def plot_metrics(rows, path) -> None:
    """One panel per metric against the step; rows: dicts with "step" and metric values, as the
    Trainer records them every eval_every steps (metrics_history.json)."""
    names = [name for name in METRIC_LABELS if rows and all(name in row for row in rows)]
    if not names:
        raise ValueError(f"plot_metrics: no known metric in the rows (expected some of "
                         f"{sorted(METRIC_LABELS)}), got keys {sorted(rows[0]) if rows else []}")
    plt = _pyplot()
    fig, axes = plt.subplots(len(names), 1, figsize=(7, 1.8 + 1.6 * len(names)), sharex=True,
                             squeeze=False)
    steps = [row["step"] for row in rows]
    for ax, name in zip(axes[:, 0], names):
        ax.plot(steps, [row[name] for row in rows], marker="o", markersize=3, linewidth=1)
        ax.set_ylabel(METRIC_LABELS[name], fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("step")
    axes[0, 0].set_title("metrics during training")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_2d(real, fake, path, critic=None, centers=None, limit: float | None = None) -> None:
    """Real (grey) and generated (red) 2-D points; with `critic` (a function from (M, 2) points to
    (M,) scores) its contour underneath; mode centres as crosses."""
    plt = _pyplot()
    real, fake = np.asarray(real), np.asarray(fake)
    limit = limit or float(max(np.abs(real).max(), 1.0) * 1.3)
    fig, ax = plt.subplots(figsize=(5, 5))
    if critic is not None:
        axis = np.linspace(-limit, limit, 120)
        gx, gy = np.meshgrid(axis, axis)
        scores = np.asarray(critic(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)))
        contour = ax.contourf(gx, gy, scores.reshape(gx.shape), levels=20, cmap="coolwarm",
                              alpha=0.6)
        fig.colorbar(contour, ax=ax, fraction=0.046)
    ax.scatter(real[:, 0], real[:, 1], s=2, c="0.3", label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=2, c="red", label="generated")
    if centers is not None:
        centers = np.asarray(centers)
        ax.scatter(centers[:, 0], centers[:, 1], marker="x", c="black", s=40, label="modes")
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def save_gif(frames, path, duration_ms: int = 200, scale: int = 3) -> None:
    """An animated GIF from a list of image batches (each (N, C, H, W) in [-1, 1])."""
    try:
        from PIL import Image
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError('the GIF needs Pillow: pip install -e ".[plot]"') from err
    if not frames:
        raise ValueError("save_gif needs at least one frame")
    pictures = []
    for images in frames:
        grid = image_grid(images).repeat(scale, axis=0).repeat(scale, axis=1)
        pictures.append(Image.fromarray(grid[..., 0] if grid.shape[2] == 1 else grid))
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=duration_ms, loop=0)
