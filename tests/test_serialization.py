"""Checkpoints: exact round trips, damaged and foreign files refused, atomic writes."""

import io
import json
import math
import os
import zipfile

import numpy as np
import pytest

import minigan as mg
from minigan import serialization


def assert_same(expected, got, path="obj"):
    """Equal values AND equal types, all the way down (arrays: dtype, shape and bits)."""
    if isinstance(expected, mg.Tensor):
        expected = expected.numpy()
    if isinstance(expected, np.ndarray):
        assert type(got) is np.ndarray, path
        assert got.dtype == expected.dtype and got.shape == expected.shape, path
        assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(expected).tobytes(), path
        return
    assert type(got) is type(expected), f"{path}: {type(expected)} became {type(got)}"
    if isinstance(expected, dict):
        assert list(got) == list(expected), path
        for key in expected:
            assert_same(expected[key], got[key], f"{path}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), path
        for i, (e, g) in enumerate(zip(expected, got)):
            assert_same(e, g, f"{path}[{i}]")
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got), path
    elif isinstance(expected, float):
        assert got == expected and math.copysign(1, got) == math.copysign(1, expected), path
    else:
        assert got == expected, path


def everything():
    rng = np.random.default_rng(0)
    return {
        "model": {
            "weight": rng.standard_normal((4, 3)).astype(np.float32),
            "layer.0/bias": rng.standard_normal(4),                      # float64, odd key
            "tensor": mg.tensor([[1.5, -2.0]]),
            "running": mg.tensor(np.arange(3.0)),
        },
        "arrays": [
            np.arange(6, dtype=np.int64).reshape(2, 3),
            np.array([True, False, True]),
            np.array(3.25, dtype=np.float32),                             # 0-d
            np.zeros((0, 3), dtype=np.float64),                           # empty
            np.asfortranarray(rng.standard_normal((3, 2))),
            rng.standard_normal((4, 4))[::2, 1:],                         # non-contiguous view
            np.array([1 + 2j], dtype=np.complex64),
            np.array([255, 0], dtype=np.uint8),
        ],
        "scalars": (np.float32(0.1), np.float64(0.2), np.int64(-7), np.bool_(True)),
        "numbers": [0, -3, 2 ** 100, 0.1, -0.0, float("inf"), float("nan"), 1e-300, True, False],
        "none": None,
        "text": ["", "héllo / wörld", "a.b/c", "\u2603"],
        "empty": {"dict": {}, "list": [], "tuple": ()},
        "int_keys": {0: "zero", 7: {"nested": (1, [2, (3,)])}},
        "": "empty key",
        "a/b": 1,
        "a": {"b": 2},   # would collide with "a/b" under a '/'-joined naming scheme
    }


def test_round_trip_keeps_every_type_and_bit(tmp_path):
    obj = everything()
    mg.save(obj, tmp_path / "ckpt.npz")
    loaded = mg.load(tmp_path / "ckpt.npz")
    assert_same(obj, loaded)
    assert [type(s) for s in loaded["scalars"]] == [np.float32, np.float64, np.int64, np.bool_]
    assert loaded["model"]["tensor"].dtype == np.float32  # a Tensor comes back as a NumPy array
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]


def test_a_single_array_or_number_round_trips(tmp_path):
    for obj in (np.arange(3.0), 5, "x", None, [1, 2]):
        mg.save(obj, str(tmp_path / "one.npz"))
        assert_same(obj, mg.load(str(tmp_path / "one.npz")))


def test_the_file_is_a_plain_npz_numpy_can_read(tmp_path):
    weight = np.arange(6.0).reshape(2, 3)
    mg.save({"weight": weight}, tmp_path / "ckpt.npz")
    with np.load(tmp_path / "ckpt.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["__minigan_manifest__", "a0"]
        np.testing.assert_array_equal(npz["a0"], weight)
        manifest = json.loads(npz["__minigan_manifest__"].tobytes())
    assert manifest["format"] == "minigan-checkpoint" and manifest["version"] == 1
    assert manifest["root"] == {"type": "dict",
                                "items": [["weight", {"type": "array", "entry": "a0"}]]}
    assert manifest["arrays"]["a0"]["dtype"] == "<f8"
    assert manifest["arrays"]["a0"]["shape"] == [2, 3]


def test_rng_state_round_trips(tmp_path):
    mg.manual_seed(1234)
    mg.randn(10)
    saved = mg.get_rng_state()
    mg.save({"rng": saved}, tmp_path / "rng.npz")
    expected = mg.randn(5).numpy()
    mg.manual_seed(99)
    state = mg.load(tmp_path / "rng.npz")["rng"]
    assert_same(saved, state)
    assert int(state["state"]) > 2 ** 64  # a 128-bit integer, kept exactly as a string
    mg.set_rng_state(state)
    np.testing.assert_array_equal(mg.randn(5).numpy(), expected)


def test_saving_overwrites_the_previous_checkpoint(tmp_path):
    path = tmp_path / "ckpt.npz"
    mg.save({"step": 1}, path)
    mg.save({"step": 2, "w": np.ones(2)}, path)
    assert_same({"step": 2, "w": np.ones(2)}, mg.load(path))
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]


# ----------------------------------------------------------------------------- what save refuses


def test_non_string_keys_are_refused_with_the_key_path(tmp_path):
    path = tmp_path / "ckpt.npz"
    with pytest.raises(TypeError, match=r"dict keys must be str \(or int\), got the key 1.5 of "
                                        r"type float in \['model'\]\['layers'\]"):
        mg.save({"model": {"layers": {1.5: np.ones(1)}}}, path)
    with pytest.raises(TypeError, match=r"got the key \('a', 1\) of type tuple in the top-level"):
        mg.save({("a", 1): 2}, path)
    with pytest.raises(TypeError, match=r"got the key True of type bool"):
        mg.save({True: 2}, path)
    assert not path.exists() and os.listdir(tmp_path) == []


def test_unsupported_values_are_refused_with_the_key_path(tmp_path):
    path = tmp_path / "ckpt.npz"
    with pytest.raises(TypeError, match=r"cannot store a set at \['opt'\]\['state'\]\[2\]"):
        mg.save({"opt": {"state": [0, 1, {3}]}}, path)
    with pytest.raises(TypeError, match=r"cannot store the object array at \['model'\]\['w'\]: "
                                        r"only numeric and bool arrays"):
        mg.save({"model": {"w": np.array([{"x": 1}, None], dtype=object)}}, path)
    with pytest.raises(TypeError, match=r"cannot store the <U3 array at \['names'\]"):
        mg.save({"names": np.array(["abc"])}, path)
    with pytest.raises(TypeError, match=r"cannot store a function at \['f'\]"):
        mg.save({"f": lambda: 0}, path)
    loop = {"a": []}
    loop["a"].append(loop)
    with pytest.raises(ValueError, match=r"\['a'\]\[0\] contains itself"):
        mg.save(loop, path)
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- crash during save


def _crash_midway(file, arrays):
    file.write(b"PK\x03\x04 half a checkpoint")
    raise RuntimeError("disk full")


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_crash_during_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch, error):
    path = tmp_path / "ckpt.npz"
    old = {"step": 1, "w": np.arange(4.0)}
    mg.save(old, path)

    def crash(file, arrays):
        file.write(b"PK\x03\x04 half a checkpoint")
        raise error("disk full")

    monkeypatch.setattr(serialization, "_write_archive", crash)
    with pytest.raises(error, match="disk full"):
        mg.save({"step": 2, "w": np.zeros(4)}, path)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]  # no temporary file left behind
    assert_same(old, mg.load(path))


def test_a_crash_during_the_first_save_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization, "_write_archive", _crash_midway)
    with pytest.raises(RuntimeError, match="disk full"):
        mg.save({"w": np.ones(3)}, tmp_path / "ckpt.npz")
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- damaged files


DAMAGED = r"checkpoint '.*ckpt\.npz' is damaged: "


def _saved(tmp_path, obj=None):
    path = tmp_path / "ckpt.npz"
    mg.save(obj if obj is not None else {"model": {"weight": np.arange(64.0)}, "step": 3}, path)
    return path


def _rewrite(path, change):
    """Rewrite the zip with change(members) applied (a valid zip: CRCs are recomputed)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _npy(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def test_truncated_files_are_refused(tmp_path):
    path = _saved(tmp_path)
    data = path.read_bytes()
    for cut in (0, 3, 40, 200, len(data) // 2, len(data) - 30, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=r"'.*ckpt\.npz' is damaged: "):
            mg.load(path)
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=DAMAGED + "the file is empty"):
        mg.load(path)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=DAMAGED + "it is not a complete .npz archive"):
        mg.load(path)


def test_a_flipped_byte_in_an_array_is_refused(tmp_path):
    path = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    at = data.find(np.arange(64.0).tobytes())
    assert at > 0
    data[at + 100] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=DAMAGED + r"entry \['model'\]\['weight'\] cannot be read"):
        mg.load(path)


def test_a_changed_array_with_a_valid_zip_fails_its_checksum(tmp_path):
    path = _saved(tmp_path)
    changed = np.arange(64.0)
    changed[10] += 1e-12
    _rewrite(path, lambda m: m.update({"a0.npy": _npy(changed)}))
    with pytest.raises(ValueError, match=DAMAGED + r"entry \['model'\]\['weight'\] does not match "
                                                   r"its checksum"):
        mg.load(path)
    _rewrite(path, lambda m: m.update({"a0.npy": _npy(np.arange(64.0, dtype=np.float32))}))
    with pytest.raises(ValueError, match=DAMAGED + r"entry \['model'\]\['weight'\] has dtype <f4 "
                                                   r"and shape \[64\], the manifest says <f8"):
        mg.load(path)


def test_missing_and_extra_entries_are_refused(tmp_path):
    path = _saved(tmp_path)
    _rewrite(path, lambda m: m.pop("a0.npy"))
    with pytest.raises(ValueError, match=DAMAGED + r"entry \['model'\]\['weight'\] is missing"):
        mg.load(path)
    path = _saved(tmp_path)
    _rewrite(path, lambda m: m.update({"intruder.npy": _npy(np.ones(2))}))
    with pytest.raises(ValueError, match=DAMAGED + r"it has entries the manifest does not list: "
                                                   r"\['intruder'\]"):
        mg.load(path)


def test_a_broken_manifest_is_refused(tmp_path):
    path = _saved(tmp_path)
    _rewrite(path, lambda m: m.update(
        {"__minigan_manifest__.npy": _npy(np.frombuffer(b'{"format": ', dtype=np.uint8))}))
    with pytest.raises(ValueError, match=DAMAGED + "the manifest is not valid JSON"):
        mg.load(path)
    manifest = {"format": "minigan-checkpoint", "version": 1, "arrays": {},
                "root": {"type": "int", "value": "3"}}
    _rewrite(path, lambda m: m.update({"__minigan_manifest__.npy": _npy(
        np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8))}))
    with pytest.raises(ValueError, match=DAMAGED + r"the manifest's int at the top-level object "
                                                   r"holds '3'"):
        mg.load(path)
    manifest["version"] = 7
    _rewrite(path, lambda m: m.update({"__minigan_manifest__.npy": _npy(
        np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8))}))
    with pytest.raises(ValueError, match=r"has format version 7; this minigan reads version 1"):
        mg.load(path)


# ----------------------------------------------------------------------------- foreign files


def test_a_foreign_npz_is_refused(tmp_path):
    path = tmp_path / "ckpt.npz"
    np.savez(path, weight=np.ones(3))
    with pytest.raises(ValueError, match=r"'.*ckpt\.npz' is not a minigan checkpoint: it has no "
                                         r"'__minigan_manifest__' entry"):
        mg.load(path)


def test_an_npz_with_pickled_objects_is_refused(tmp_path):
    path = tmp_path / "ckpt.npz"
    np.savez(path, weight=np.ones(3), evil=np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"is refused: entry 'evil' holds pickled Python objects, "
                                         r"which minigan never loads"):
        mg.load(path)
    path = _saved(tmp_path)  # a real checkpoint whose array was swapped for a pickled one
    _rewrite(path, lambda m: m.update(
        {"a0.npy": _npy(np.array([object()], dtype=object), allow_pickle=True)}))
    with pytest.raises(ValueError, match=r"is refused: entry \['model'\]\['weight'\] holds "
                                         r"pickled Python objects"):
        mg.load(path)


def test_a_pickle_or_npy_or_text_file_is_refused(tmp_path):
    path = tmp_path / "ckpt.npz"
    path.write_bytes(b"\x80\x04K\x01.")  # the pickle of the int 1 (protocol 4)
    with pytest.raises(ValueError, match=r"is refused: it is a pickle file, and minigan never "
                                         r"unpickles files"):
        mg.load(path)
    np.save(tmp_path / "w.npy", np.ones(3))
    with pytest.raises(ValueError, match=r"is not a minigan checkpoint: it holds a single .npy"):
        mg.load(tmp_path / "w.npy")
    path.write_text("hello")
    with pytest.raises(ValueError, match=r"is not a minigan checkpoint: it is not an .npz archive"):
        mg.load(path)
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "absent.npz")


# ----------------------------------------------------------------------------- the GPU


@pytest.mark.gpu
def test_cupy_arrays_and_tensors_come_back_as_numpy(tmp_path):
    if not mg.cuda_available():
        pytest.skip("needs CuPy and a CUDA device")
    import cupy

    mg.set_backend("cupy")
    obj = {"array": cupy.arange(4, dtype=cupy.float32), "tensor": mg.randn(2, 3)}
    mg.save(obj, tmp_path / "ckpt.npz")
    loaded = mg.load(tmp_path / "ckpt.npz")
    assert type(loaded["array"]) is np.ndarray and type(loaded["tensor"]) is np.ndarray
    np.testing.assert_array_equal(loaded["array"], np.arange(4, dtype=np.float32))
    np.testing.assert_array_equal(loaded["tensor"], obj["tensor"].numpy())
