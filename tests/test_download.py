"""Finding and downloading dataset files, against a local HTTP server that serves made-up IDX files.

Nothing here touches the network or the user's cache: the mirrors, the checksums and every data
folder are replaced for the test (SOURCES is a dict the test patches; the folders are module
constants and environment variables).
"""

import gzip
import hashlib
import http.server
import io
import socket
import struct
import threading

import numpy as np
import pytest

from minigan.datasets import DatasetNotFoundError, load_dataset
from minigan.datasets import download as download_module
from minigan.datasets.download import Progress, fetch_file
from minigan.datasets.sources import MNIST_CLASSES, SOURCES, ImageSource

SPLITS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def idx_bytes(array: np.ndarray) -> bytes:
    return bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) \
        + array.astype(np.uint8).tobytes()


PIXELS = np.random.default_rng(0).integers(0, 256, size=(12, 28, 28), dtype=np.uint8)
LABELS = np.arange(12, dtype=np.uint8) % 10
RAW = {  # the decompressed files of the made-up dataset "tiny"
    "train-images-idx3-ubyte": idx_bytes(PIXELS),
    "train-labels-idx1-ubyte": idx_bytes(LABELS),
    "t10k-images-idx3-ubyte": idx_bytes(PIXELS[:5]),
    "t10k-labels-idx1-ubyte": idx_bytes(LABELS[:5]),
}
SHA256 = {name: hashlib.sha256(data).hexdigest() for name, data in RAW.items()}


class Handler(http.server.BaseHTTPRequestHandler):
    """GET /<path>: server.routes[path] (bytes, announced Content-Length), or 404."""

    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path not in self.server.routes:
            self.send_error(404)
            return
        body, length = self.server.routes[self.path]
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.routes, httpd.requests = {}, []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def serve(httpd, folder: str, files: dict, length_extra: int = 0) -> str:
    """Serve {name: bytes} under /<folder>/; returns the mirror's base URL."""
    for name, body in files.items():
        httpd.routes[f"/{folder}/{name}"] = (body, len(body) + length_extra)
    return f"http://127.0.0.1:{httpd.server_address[1]}/{folder}/"


def gz_files(raw=RAW) -> dict:
    return {name + ".gz": gzip.compress(data) for name, data in raw.items()}


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """Every data folder inside tmp_path, no proxies; returns tmp_path."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("MINIGAN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(download_module, "SYSTEM_DATA_DIR", tmp_path / "system")
    monkeypatch.setattr(download_module, "BUNDLED_DATA_DIR", tmp_path / "bundled")
    return tmp_path


def use_tiny(monkeypatch, *mirrors):
    source = ImageSource(directories=("tiny",), mirrors=tuple(mirrors), files=SPLITS, sha256=SHA256,
                         classes=MNIST_CLASSES)
    monkeypatch.setitem(SOURCES, "tiny", source)
    return source


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


# ----------------------------------------------------------------------------- downloads


def test_a_good_download_is_verified_cached_and_not_fetched_again(server, folders, monkeypatch,
                                                                   capsys):
    use_tiny(monkeypatch, serve(server, "good", gz_files()))
    data = load_dataset("tiny")
    assert data.images.shape == (12, 1, 28, 28)
    np.testing.assert_array_equal(data.images[:, 0], PIXELS / np.float32(127.5) - 1)
    np.testing.assert_array_equal(data.labels, LABELS)
    assert server.requests == ["/good/train-images-idx3-ubyte.gz", "/good/train-labels-idx1-ubyte.gz"]
    assert files_under(folders / "cache") == ["minigan/tiny/train-images-idx3-ubyte.gz",
                                              "minigan/tiny/train-labels-idx1-ubyte.gz"]
    port = server.server_address[1]
    stderr = capsys.readouterr().err
    assert f"Downloading http://127.0.0.1:{port}/good/train-images-idx3-ubyte.gz" in stderr

    again = load_dataset("tiny")
    np.testing.assert_array_equal(again.images, data.images)
    assert len(server.requests) == 2  # served from the cache
    load_dataset("tiny", split="test")
    assert server.requests[2:] == ["/good/t10k-images-idx3-ubyte.gz",
                                   "/good/t10k-labels-idx1-ubyte.gz"]


def test_downloads_go_to_root_when_given(server, folders, monkeypatch):
    use_tiny(monkeypatch, serve(server, "good", gz_files()))
    load_dataset("tiny", root=folders / "mine")
    assert files_under(folders / "mine") == ["tiny/train-images-idx3-ubyte.gz",
                                             "tiny/train-labels-idx1-ubyte.gz"]
    assert files_under(folders) == ["mine/tiny/train-images-idx3-ubyte.gz",
                                    "mine/tiny/train-labels-idx1-ubyte.gz"]


def test_an_uncompressed_download_is_stored_uncompressed(server, folders, monkeypatch):
    use_tiny(monkeypatch, serve(server, "raw", {name + ".gz": data for name, data in RAW.items()}))
    data = load_dataset("tiny", split="test")
    np.testing.assert_array_equal(data.labels, LABELS[:5])
    assert files_under(folders / "cache") == ["minigan/tiny/t10k-images-idx3-ubyte",
                                              "minigan/tiny/t10k-labels-idx1-ubyte"]


def tampered() -> dict:
    pixels = PIXELS.copy()
    pixels[3, 14, 14] ^= 1  # one pixel: a well-formed file with the wrong checksum
    return gz_files({**RAW, "train-images-idx3-ubyte": idx_bytes(pixels)})


@pytest.mark.parametrize("files, length_extra, reason", [
    (tampered(), 0, r"ValueError: the downloaded file: sha256 of the decompressed data is "
     r"[0-9a-f]{64}, expected " + SHA256["train-images-idx3-ubyte"]),
    ({name: b"<html>Not here any more</html>" for name in gz_files()}, 0,
     r"not an IDX file: expected the magic number to start with two zero bytes, got 0x3c68746d"),
    (gz_files(), 100, r"ValueError: the connection closed after (\d+) of (\d+) bytes"),
])
def test_a_bad_download_is_rejected_and_leaves_nothing_behind(server, folders, monkeypatch,
                                                              files, length_extra, reason):
    url = serve(server, "bad", files, length_extra)
    use_tiny(monkeypatch, url)
    with pytest.raises(DatasetNotFoundError, match=reason) as info:
        load_dataset("tiny")
    assert f"{url}train-images-idx3-ubyte.gz" in str(info.value)
    assert files_under(folders) == []  # no partial file, no rejected file


def test_the_next_mirror_is_tried_when_one_fails(server, folders, monkeypatch):
    use_tiny(monkeypatch, serve(server, "missing", {}), serve(server, "bad", tampered()),
             serve(server, "good", gz_files()))
    data = load_dataset("tiny")
    np.testing.assert_array_equal(data.labels, LABELS)
    assert server.requests == [
        "/missing/train-images-idx3-ubyte.gz", "/bad/train-images-idx3-ubyte.gz",
        "/good/train-images-idx3-ubyte.gz",
        "/missing/train-labels-idx1-ubyte.gz", "/bad/train-labels-idx1-ubyte.gz",  # this one is fine
    ]
    assert files_under(folders / "cache") == ["minigan/tiny/train-images-idx3-ubyte.gz",
                                              "minigan/tiny/train-labels-idx1-ubyte.gz"]


def test_offline_the_error_lists_urls_and_where_to_put_the_files(folders, monkeypatch):
    first, second = closed_port_url(), closed_port_url().replace("/mnist/", "/other/")
    use_tiny(monkeypatch, first, second)
    with pytest.raises(DatasetNotFoundError) as info:
        load_dataset("tiny", root=folders / "r")
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert message.startswith("tiny: cannot find train-images-idx3-ubyte.gz (or "
                              "train-images-idx3-ubyte) in any of:\n")
    for folder in ("r", "bundled", "cache/minigan", "system"):
        assert f"  {folders / folder / 'tiny'}/\n" in message
    assert "and every download failed:\n" in message
    assert f"  {first}train-images-idx3-ubyte.gz\n      URLError: " in message
    assert f"  {second}train-images-idx3-ubyte.gz\n      URLError: " in message
    assert message.endswith(
        f"To install it by hand, download train-images-idx3-ubyte.gz from "
        f"{first}train-images-idx3-ubyte.gz or {second}train-images-idx3-ubyte.gz\n"
        f"and put it in {folders / 'r' / 'tiny'}/ (or in <folder>/tiny/ and pass root=<folder> "
        f"or set MINIGAN_DATA=<folder>).")
    assert files_under(folders) == []


def test_download_false_never_asks_the_server(server, folders, monkeypatch):
    use_tiny(monkeypatch, serve(server, "good", gz_files()))
    with pytest.raises(DatasetNotFoundError, match=r"(?s)in any of:\n.*\nand download=False\.\n"
                       r"To install it by hand"):
        load_dataset("tiny", download=False)
    assert server.requests == []


# ----------------------------------------------------------------------------- the search order


def put(folder, name, data):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


def test_folders_are_searched_in_order(folders, monkeypatch):
    source = use_tiny(monkeypatch)
    name, data = "train-labels-idx1-ubyte", RAW["train-labels-idx1-ubyte"]
    monkeypatch.setenv("MINIGAN_DATA", str(folders / "env"))
    copies = [
        put(folders / "root" / "tiny", name, data),                        # raw, not gzip
        put(folders / "env" / "tiny", name + ".gz", gzip.compress(data)),
        put(folders / "bundled" / "tiny", name + ".gz", gzip.compress(data)),
        put(folders / "cache" / "minigan" / "tiny", name + ".gz", gzip.compress(data)),
        put(folders / "system" / "tiny", name + ".gz", gzip.compress(data)),  # Debian's layout
    ]
    for copy in copies:
        assert fetch_file("tiny", source, name, root=folders / "root", download=False) == copy
        copy.unlink()
    with pytest.raises(DatasetNotFoundError):
        fetch_file("tiny", source, name, root=folders / "root", download=False)


def test_a_damaged_local_copy_is_reported_not_skipped(folders, monkeypatch):
    use_tiny(monkeypatch)
    folder = folders / "cache" / "minigan" / "tiny"
    put(folder, "t10k-images-idx3-ubyte.gz", gzip.compress(RAW["t10k-images-idx3-ubyte"]))
    bad = put(folder, "t10k-labels-idx1-ubyte.gz", gzip.compress(RAW["train-labels-idx1-ubyte"]))
    with pytest.raises(ValueError, match=rf"(?s)sha256 of the decompressed data is .*This copy of "
                       rf"t10k-labels-idx1-ubyte is damaged or is not the one tiny expects: "
                       rf"delete or replace {bad}"):
        load_dataset("tiny", split="test", download=False)


def test_the_progress_bar_redraws_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    bar = Progress("x.gz", "http://host/x.gz", 2_000_000, stream=out)
    bar.update(1_000_000)
    bar.update(1_000_001)  # same percentage: not redrawn
    bar.update(2_000_000)
    bar.close(2_000_000)
    assert out.getvalue() == (
        "Downloading http://host/x.gz (2.0 MB)\n"
        "\r  x.gz [###############...............]  50%  1.0/2.0 MB"
        "\r  x.gz [##############################] 100%  2.0/2.0 MB"
        "\n  x.gz: 2.0 MB received\n")
    plain = io.StringIO()
    bar = Progress("x.gz", "http://host/x.gz", None, stream=plain)
    bar.update(10)
    bar.close(1_500_000)
    assert plain.getvalue() == "Downloading http://host/x.gz\n  x.gz: 1.5 MB received\n"
