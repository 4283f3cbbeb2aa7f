"""The IDX reader: real MNIST files, every dtype, and hostile bytes (fuzzed headers, truncation,
gzip bombs) that must give a ValueError without allocating more than the data holds."""

import gzip
import hashlib
import os
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigan.datasets import read_idx
from minigan.datasets.idx import MAX_NDIM

SHARED = Path(os.environ.get("MINIGAN_SHARED", Path(__file__).resolve().parents[2] / "shared"))
MNIST_DIR = SHARED / "data" / "mnist"
needs_mnist = pytest.mark.skipif(not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
                                 reason=f"the MNIST test files are not in {MNIST_DIR}")

CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def idx_bytes(array: np.ndarray, code: int) -> bytes:
    """An IDX file, written straight from the format description (independent of the reader)."""
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(CODES[code]).tobytes()


def header(code: int, dims) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


def peak_bytes(fn) -> int:
    """The peak of Python and NumPy allocations while fn() runs (NumPy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
    except ValueError:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


# ----------------------------------------------------------------------------- real files


@needs_mnist
def test_mnist_test_images_parse_with_their_checksum():
    images = read_idx(MNIST_DIR / "t10k-images-idx3-ubyte.gz", expected_sha256=(
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"))
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert images.max() == 255 and images.min() == 0
    # the raw bytes after the 16-byte header are the pixels, row-major
    raw = gzip.decompress((MNIST_DIR / "t10k-images-idx3-ubyte.gz").read_bytes())
    assert raw[:16] == header(0x08, (10000, 28, 28))
    np.testing.assert_array_equal(images.reshape(-1), np.frombuffer(raw[16:], np.uint8))


@needs_mnist
def test_mnist_test_labels_have_the_known_class_counts():
    labels = read_idx(MNIST_DIR / "t10k-labels-idx1-ubyte.gz", expected_sha256=(
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"))
    assert labels.shape == (10000,)
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@needs_mnist
def test_a_wrong_checksum_names_both_digests():
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz: sha256 of the decompressed "
                       r"data is ff7bcfd4.*, expected 00000000"):
        read_idx(MNIST_DIR / "t10k-labels-idx1-ubyte.gz", expected_sha256="0" * 64)


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("code", sorted(CODES))
@pytest.mark.parametrize("compress", [False, True])
def test_every_dtype_round_trips_from_bytes_and_files(code, compress, tmp_path):
    rng = np.random.default_rng(code)
    native = np.dtype(CODES[code]).newbyteorder("=")
    if native.kind == "f":
        array = rng.standard_normal((3, 4, 5)).astype(native)
    else:
        info = np.iinfo(native)
        array = rng.integers(info.min, info.max, size=(3, 4, 5), endpoint=True).astype(native)
    data = idx_bytes(array, code)
    digest = hashlib.sha256(data).hexdigest()
    if compress:
        data = gzip.compress(data)
    path = tmp_path / "x.idx"
    path.write_bytes(data)
    for source in (data, path, str(path)):
        out = read_idx(source, expected_sha256=digest)
        assert out.shape == (3, 4, 5)
        assert out.dtype == native
        np.testing.assert_array_equal(out, array)


def test_zero_items_and_one_dimension():
    assert read_idx(header(0x08, (0, 28, 28))).shape == (0, 28, 28)
    np.testing.assert_array_equal(read_idx(header(0x0C, (2,)) + struct.pack(">2i", -7, 9)), [-7, 9])


# ----------------------------------------------------------------------------- bad headers


@pytest.mark.parametrize("data, message", [
    (b"", r"<0 bytes>: too short for an IDX file: expected a 4-byte magic number, got 0 bytes"),
    (b"\x00\x00\x08", r"too short for an IDX file: expected a 4-byte magic number, got 3 bytes"),
    (b"\x01\x00\x08\x01" + b"\x00" * 8,
     r"not an IDX file: expected the magic number to start with two zero bytes, got 0x01000801"),
    (b"\x00\x00\x0a\x01\x00\x00\x00\x01\x00",
     r"unknown IDX data type 0x0A: expected one of 0x08 \(ubyte\), 0x09 \(sbyte\), "
     r"0x0B \(int16\), 0x0C \(int32\), 0x0D \(float32\), 0x0E \(float64\)"),
    (b"\x00\x00\x08\x00", rf"expected 1 to {MAX_NDIM} dimensions, the header says 0"),
    (b"\x00\x00\x08\x09" + b"\x00" * 36, rf"expected 1 to {MAX_NDIM} dimensions, the header says 9"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00",
     r"truncated header: expected 12 bytes of dimensions after the magic number, got 6"),
    (header(0x08, (2, 3)) + bytes(5),
     r"truncated: dimensions \(2, 3\) of ubyte need 6 bytes of values after the header, "
     r"the file holds 5"),
    (header(0x0B, (2, 3)) + bytes(13),
     r"extra data: dimensions \(2, 3\) of int16 need 12 bytes of values after the header, "
     r"the file holds 13"),
])
def test_bad_headers_say_what_was_expected_and_found(data, message):
    with pytest.raises(ValueError, match=message):
        read_idx(data)


def test_errors_name_the_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(header(0x08, (2, 3)) + bytes(5))
    with pytest.raises(ValueError, match=rf"^{path}: truncated"):
        read_idx(path)
    with pytest.raises(ValueError, match=r"^my-file: truncated"):
        read_idx(path.read_bytes(), name="my-file")


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent.gz")


def test_truncated_and_extended_gzip_data():
    good = header(0x08, (4, 5)) + bytes(range(20))
    with pytest.raises(ValueError, match=r"truncated: dimensions \(4, 5\) of ubyte need 20 bytes "
                       r"of values after the header, the gzip data holds 19"):
        read_idx(gzip.compress(good[:-1]))
    with pytest.raises(ValueError,
                       match=r"extra data: dimensions \(4, 5\) .* the gzip data holds more"):
        read_idx(gzip.compress(good + b"\x00"))
    # a gzip stream cut short (EOFError inside the gzip module) and a damaged one (bad CRC)
    with pytest.raises(ValueError, match=r"<\d+ bytes>: corrupt gzip data: "):
        read_idx(gzip.compress(good)[:-6])
    damaged = bytearray(gzip.compress(good))
    damaged[-8] ^= 0xFF  # the CRC32 in the trailer
    with pytest.raises(ValueError, match=r"corrupt gzip data: CRC check failed"):
        read_idx(bytes(damaged))


def test_a_claim_of_a_trillion_values_allocates_nothing_large():
    claim = header(0x08, (1_000_000, 1_000_000)) + bytes(100)
    for data in (claim, gzip.compress(claim)):
        with pytest.raises(ValueError, match=r"need 1000000000000 bytes .* more than max_bytes"):
            read_idx(data)
        assert peak_bytes(lambda: read_idx(data)) < 1 << 20
    # within max_bytes, the claim is checked against what the data really holds
    small_claim = header(0x0E, (1000, 1000)) + bytes(100)  # 8 MB claimed, 100 bytes present
    for data in (small_claim, gzip.compress(small_claim)):
        with pytest.raises(ValueError, match=r"truncated: .* need 8000000 bytes"):
            read_idx(data)
        assert peak_bytes(lambda: read_idx(data)) < 2 << 20


def test_a_gzip_bomb_is_refused_with_bounded_memory():
    inflated = 50_000_000
    bomb = gzip.compress(header(0x08, (inflated,)) + bytes(inflated), compresslevel=9)
    assert len(bomb) < 100_000
    with pytest.raises(ValueError, match=r"need 50000000 bytes .* more than max_bytes=1000000"):
        read_idx(bomb, max_bytes=1_000_000)
    assert peak_bytes(lambda: read_idx(bomb, max_bytes=1_000_000)) < 1 << 20
    # a header that claims little in front of a bomb: reading stops one byte past the claim
    liar = gzip.compress(header(0x08, (10,)) + bytes(inflated), compresslevel=9)
    with pytest.raises(ValueError, match=r"extra data: dimensions \(10,\) of ubyte"):
        read_idx(liar)
    assert peak_bytes(lambda: read_idx(liar)) < 4 << 20


# ----------------------------------------------------------------------------- fuzzing


@st.composite
def idx_like(draw):
    """(bytes, shape): a well-formed IDX file of that shape, or (usually) one with a field broken
    (shape None)."""
    code = draw(st.sampled_from(sorted(CODES)))
    dims = draw(st.lists(st.integers(0, 6), min_size=1, max_size=4))
    nbytes = int(np.prod(dims)) * np.dtype(CODES[code]).itemsize
    data = bytearray(header(code, dims) + draw(st.binary(min_size=nbytes, max_size=nbytes)))
    fault = draw(st.sampled_from(["none", "magic", "code", "ndim", "dims", "huge", "cut", "extend"]))
    if fault == "magic":
        data[draw(st.integers(0, 1))] = draw(st.integers(1, 255))
    elif fault == "code":
        data[2] = draw(st.integers(0, 255))
    elif fault == "ndim":
        data[3] = draw(st.integers(0, 255))
    elif fault == "dims":  # any dimension, up to 2**32 - 1
        i = 4 + 4 * draw(st.integers(0, len(dims) - 1))
        data[i:i + 4] = struct.pack(">I", draw(st.integers(0, 2**32 - 1)))
    elif fault == "huge":  # every dimension enormous: claims up to 2**128 values
        data[4:4 + 4 * len(dims)] = struct.pack(f">{len(dims)}I", *[2**32 - 1] * len(dims))
    elif fault == "cut":
        del data[draw(st.integers(0, max(0, len(data) - 1))):]
    elif fault == "extend":
        data += draw(st.binary(min_size=1, max_size=16))
    return bytes(data), tuple(dims) if fault == "none" else None


def check_hostile(data: bytes, inflated_size: int):
    """ValueError or a well-formed array; memory bounded by the data, never by the header's claim."""
    try:
        array = read_idx(data)
    except ValueError as err:
        assert str(err).startswith("<"), err  # the message starts with the file's name
    else:
        assert array.nbytes <= inflated_size
    bound = 2 * inflated_size + (2 << 20)  # the values once, a 1 MiB read chunk, zlib's buffers
    assert peak_bytes(lambda: read_idx(data)) < bound


@given(idx_like(), st.booleans())
def test_fuzzed_headers_give_value_errors_and_bounded_memory(case, compress):
    data, shape = case
    if shape is not None:
        assert read_idx(gzip.compress(data) if compress else data).shape == shape
    check_hostile(gzip.compress(data) if compress else data, len(data))


@given(st.binary(max_size=300), st.integers(0, 400))
def test_random_and_truncated_gzip_bytes_give_value_errors(data, cut):
    check_hostile(data, len(data))
    compressed = gzip.compress(data)
    check_hostile(compressed[:cut], len(data))


@given(idx_like(), st.integers(0, 2**16), st.integers(0, 255))
def test_flipped_bytes_in_gzip_data_give_value_errors(case, position, value):
    damaged = bytearray(gzip.compress(case[0]))
    damaged[position % len(damaged)] = value
    # a flipped byte may inflate to something else entirely: bound memory by the deflate maximum
    check_hostile(bytes(damaged), 1032 * len(damaged))


# ----------------------------------------------------------------------------- large files: no copies


def test_multibyte_values_are_converted_in_place_not_copied():
    values = np.arange(2_000_000, dtype=">i4")  # 8 MB of big-endian int32
    data = header(0x0C, values.shape) + values.tobytes()
    array = read_idx(data)
    np.testing.assert_array_equal(array, np.arange(2_000_000))
    assert array.dtype == np.int32 and array.dtype.isnative
    assert peak_bytes(lambda: read_idx(data)) < 1.25 * values.nbytes  # was 2x (astype copied)


def test_a_file_of_the_wrong_known_size_is_refused_before_it_is_inflated(tmp_path, monkeypatch):
    from minigan.datasets import load_dataset

    inflated = 81_632 * 784  # 64 MB
    bomb = gzip.compress(header(0x08, (inflated // 784, 28, 28)) + bytes(inflated), compresslevel=9)
    folder = tmp_path / "fashion-mnist-sample"
    folder.mkdir()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(bomb)
    with pytest.raises(ValueError, match=r"a file of 63999504 bytes, expected 7840016 bytes"):
        read_idx(bomb, expected_size=7_840_016)
    assert peak_bytes(lambda: read_idx(bomb, expected_size=7_840_016)) < 1 << 20
    with pytest.raises(ValueError, match=r"expected 7840016 bytes\nThis copy of t10k-images"):
        load_dataset("sample", root=tmp_path)
    assert peak_bytes(lambda: load_dataset("sample", root=tmp_path)) < 2 << 20  # was 64 MB
