"""minigan.gan.plots: image_grid's layout and colours, show_images (the lessons' one picture helper).
(image_grid against make_grid: tests/test_pytorch_compat.py; plot_metrics: tests/test_metrics.py.)"""

import numpy as np
import pytest

from minigan.gan.plots import image_grid, show_images


def _images(n, c=1, h=2, w=3, value=0.0):
    return np.full((n, c, h, w), value, np.float32)


def test_image_grid_layout_and_padding_colour():
    images = np.arange(5)[:, None, None, None] * np.ones((5, 1, 2, 3), np.float32) / 2 - 1  # -1, -0.5, ..
    grid = image_grid(images, nrow=2, padding=1, pad_value=0.0)         # 3 rows of 2, grey between
    assert grid.shape == (3 * (2 + 1) + 1, 2 * (3 + 1) + 1, 1) and grid.dtype == np.uint8
    assert grid[0, 0, 0] == 128 and grid[3, :, 0].tolist() == [128] * 9   # (0 + 1) / 2 -> 128
    # image k at row k // 2, column k % 2, top-left corner (1 + 3 * row, 1 + 4 * column)
    assert grid[1:3, 1:4, 0].tolist() == [[0] * 3] * 2                   # -1 -> black
    assert grid[1:3, 5:8, 0].tolist() == [[64] * 3] * 2                  # -0.5 -> 255 / 4 rounded
    assert grid[7:9, 1:4, 0].tolist() == [[255] * 3] * 2                 # image 4: 1 -> white
    assert grid[7:9, 5:8, 0].tolist() == [[128] * 3] * 2                 # the empty cell: padding
    assert image_grid(images, nrow=2, padding=1, pad_value=-1.0)[0, 0, 0] == 0
    assert image_grid(images, nrow=2, padding=1)[0, 0, 0] == 255          # white by default
    assert image_grid(images, nrow=8, padding=1).shape == (4, 5 * 4 + 1, 1)  # nrow > N: N columns
    assert image_grid(images[:1], nrow=4, padding=1).shape == (2, 3, 1)       # one image: unpadded
    assert image_grid(_images(9, c=3), padding=0).shape == (6, 9, 3)          # nrow: sqrt(9) = 3


@pytest.mark.parametrize("nrow", [0, -2, 2.5, True])
def test_image_grid_names_a_bad_nrow(nrow):
    with pytest.raises(ValueError, match=rf"image_grid: nrow must be a whole number >= 1, got {nrow!r}"):
        image_grid(_images(4), nrow=nrow)


@pytest.fixture
def ax():
    plt = pytest.importorskip("matplotlib.pyplot")
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_show_images_draws_the_grid_on_the_fixed_scale_with_row_labels(ax):
    images = np.random.default_rng(0).uniform(-0.01, 0.01, (6, 1, 28, 28)).astype(np.float32)
    shown = show_images(ax, images, 3, "two rows", ["first", "second"], fontsize=9)
    np.testing.assert_array_equal(shown.get_array(), image_grid(images, 3, padding=1)[..., 0])
    assert shown.get_array().shape == (2 * 29 + 1, 3 * 29 + 1)
    assert shown.get_clim() == (0, 255) and shown.get_cmap().name == "gray"  # -1 black, 1 white, always
    assert ax.get_title() == "two rows" and ax.title.get_fontsize() == 9
    assert ax.get_yticks().tolist() == [14.5, 43.5]                   # the rows' centres: 1 + 29 r + 13.5
    assert [t.get_text() for t in ax.get_yticklabels()] == ["first", "second"]
    assert ax.get_xticks().tolist() == [] and ax.axison


def test_show_images_without_labels_hides_the_axes_and_keeps_colour(ax):
    rgb = np.full((4, 3, 2, 2), -1.0, np.float32)
    rgb[:, 0] = 1.0                                                     # red
    shown = show_images(ax, rgb, 2, pad_value=-1.0)
    assert shown.get_array().shape == (7, 7, 3)
    assert shown.get_array()[1, 1].tolist() == [255, 0, 0] and shown.get_array()[0, 0].tolist() == [0, 0, 0]
    assert not ax.axison and ax.get_title() == ""
    show_images(ax, rgb, 2, "a title")                  # no fontsize: matplotlib's size for titles
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties
    assert ax.title.get_fontsize() == FontProperties(size=rcParams["axes.titlesize"]).get_size_in_points() > 10


def test_show_images_labels_a_single_unpadded_image_at_its_centre(ax):
    show_images(ax, _images(1, h=7, w=7), 1, labels=["only"])
    assert ax.get_yticks().tolist() == [3.0]


def test_show_images_names_bad_input(ax):
    with pytest.raises(ValueError, match=r"one label per row expected, 2 rows \(6 images, 3 to a row\), "
                                         r"got 3 labels"):
        show_images(ax, _images(6), 3, labels=["a", "b", "c"])
    assert len(ax.images) == 0 and ax.get_title() == ""       # checked before anything is drawn
    with pytest.raises(ValueError, match=r"C = 1 or 3, got shape \(4, 2, 3\)"):
        show_images(ax, np.zeros((4, 2, 3)), 2)
    with pytest.raises(ValueError, match=r"C = 1 or 3, got shape \(4, 2, 2, 3\)"):
        show_images(ax, _images(4, c=2), 2)
    with pytest.raises(ValueError, match="nrow must be a whole number >= 1, got 0"):
        show_images(ax, _images(4), 0)
