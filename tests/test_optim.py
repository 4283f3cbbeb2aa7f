"""Optimizers: PyTorch parity step by step, param groups, zero_grad, state_dict round trips."""

import numpy as np
import pytest

import minigan as mg
from minigan import optim

# ----------------------------------------------------------------------------- a small problem

X = np.random.default_rng(1).standard_normal((5, 3))
Y = np.random.default_rng(2).standard_normal(5)


def initial_values(dtype):
    rng = np.random.default_rng(3)
    return [rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal(4).astype(dtype),
            rng.standard_normal(4).astype(dtype)]


def loss_of(lib, params, dtype):
    """A tiny one-hidden-layer regression, nonconvex in (W, b, v), written for minigan or torch."""
    W, b, v = params
    x = lib.tensor(X.astype(dtype))
    y = lib.tensor(Y.astype(dtype))
    h = lib.tanh(x @ W.T + b)
    return (((h @ v) - y) ** 2).mean() + 0.1 * (W ** 2).sum()


def minigan_trajectory(make_optimizer, dtype, steps=50):
    params = [mg.tensor(a, requires_grad=True) for a in initial_values(dtype)]
    opt = make_optimizer(optim, params)
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(mg, params, dtype).backward()
        opt.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.5, 0.999), weight_decay=0.05)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("RMSprop", dict(lr=0.005)),
    ("RMSprop", dict(lr=0.005, momentum=0.8)),
    ("RMSprop", dict(lr=0.005, centered=True)),
    ("RMSprop", dict(lr=0.005, weight_decay=0.1, momentum=0.5, centered=True)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in options.items())}" for name, options in CONFIGS]


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, options", CONFIGS, ids=IDS)
def test_trajectory_matches_pytorch(name, options, dtype):
    """50 steps side by side with torch.optim's single-tensor (for-loop) implementation.

    float64: both run free and agree to 1e-12 at every step, which pins down every formula (where
    eps goes, the bias corrections, the first momentum step ...).
    float32: two correct float32 implementations round differently (PyTorch's CPU kernels use
    fused multiply-adds, its matmul sums in another order), and 50 steps of a nonconvex problem
    amplify those last-bit differences. So before each float32 step our parameters are set to
    PyTorch's (the optimizer state still runs free) and every step must agree to a few float32
    ulps.
    """
    torch = pytest.importorskip("torch")
    ours = [mg.tensor(a, requires_grad=True) for a in initial_values(dtype)]
    theirs = [torch.tensor(a, requires_grad=True) for a in initial_values(dtype)]
    our_opt = getattr(optim, name)(ours, **options)
    their_opt = getattr(torch.optim, name)(theirs, foreach=False, **options)
    tolerance = 5e-7 if dtype == np.float32 else 1e-12
    for step in range(1, 51):
        if dtype == np.float32:
            for p, t in zip(ours, theirs):
                p.array[...] = t.detach().numpy()
        for opt, params, lib in ((our_opt, ours, mg), (their_opt, theirs, torch)):
            opt.zero_grad()
            loss_of(lib, params, dtype).backward()
            opt.step()
        for p, t in zip(ours, theirs):
            assert p.dtype == dtype
            np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=tolerance,
                                       atol=tolerance, err_msg=f"{name}{options} step {step}")


def test_every_optimizer_moves_the_parameters_and_keeps_their_dtype():
    for dtype in (np.float32, np.float64):
        start = initial_values(dtype)
        for name, options in CONFIGS:
            trajectory = minigan_trajectory(lambda lib, ps: getattr(lib, name)(ps, **options),
                                            dtype, steps=3)
            assert [p.dtype for p in trajectory[-1]] == [dtype] * 3
            assert np.abs(trajectory[-1][0] - start[0]).max() > 1e-4


# ----------------------------------------------------------------------------- exact small cases


def test_sgd_momentum_first_step_uses_the_gradient_without_dampening():
    p = mg.tensor([1.0, -2.0], dtype=np.float64, requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    p.grad = mg.tensor([1.0, 1.0], dtype=np.float64)
    opt.step()                                  # buf = g = 1
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [1.0, 1.0])
    np.testing.assert_allclose(p.detach().numpy(), [0.9, -2.1])
    opt.step()                                  # buf = 0.9 * 1 + 0.5 * 1 = 1.4
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], [1.4, 1.4])
    np.testing.assert_allclose(p.detach().numpy(), [0.9 - 0.14, -2.1 - 0.14])


def test_adam_first_step_is_lr_times_sign():
    """After one step the bias corrections make m_hat / sqrt(v_hat) = g / |g|."""
    p = mg.tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    opt = optim.Adam([p], lr=0.1, eps=0.0)
    p.grad = mg.tensor([0.5, -3.0, 1e-3], dtype=np.float64)
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [0.9, 2.1, 2.9], rtol=1e-12)
    assert opt.state[p]["step"] == 1


def test_updates_are_in_place_and_not_recorded():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    data = p.array
    opt = optim.Adam([p])
    (p * p).sum().backward()
    opt.step()
    assert p.array is data and p.is_leaf and p.grad_fn is None
    assert p.requires_grad


def test_params_without_grad_are_skipped():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    for opt in (optim.SGD([a, b], lr=0.1, momentum=0.9), optim.Adam([a, b]),
                optim.RMSprop([a, b], momentum=0.5)):
        a.grad = mg.tensor([1.0, 1.0])
        b.grad = None
        opt.step()
        np.testing.assert_array_equal(b.detach().numpy(), [3.0, 4.0])
        assert b not in opt.state or opt.state[b] == {}
        assert opt.state[a]
        assert list(opt.state_dict()["state"]) == [0]


def test_param_groups_with_different_lr():
    a = mg.tensor([1.0], requires_grad=True)
    b = mg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0 and opt.param_groups[1]["params"] == [b]
    a.grad, b.grad = mg.tensor([1.0]), mg.tensor([1.0])
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [0.9])
    np.testing.assert_allclose(b.detach().numpy(), [0.5])
    c = mg.tensor([1.0], requires_grad=True)
    opt.add_param_group({"params": [c], "lr": 1.0})
    c.grad = mg.tensor([2.0])
    opt.step()
    np.testing.assert_allclose(c.detach().numpy(), [-1.0])
    assert opt.defaults["lr"] == 0.1


def test_zero_grad():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None
    opt.zero_grad()  # nothing to do, no error
    assert p.grad is None


def test_constructor_and_option_errors():
    p = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"SGD: lr must be >= 0.0, got -0.1"):
        optim.SGD([p], lr=-0.1)
    with pytest.raises(ValueError, match=r"SGD: momentum must be >= 0.0, got -1"):
        optim.SGD([p], momentum=-1)
    with pytest.raises(ValueError, match=r"nesterov momentum needs momentum > 0 and dampening"):
        optim.SGD([p], nesterov=True)
    with pytest.raises(ValueError, match=r"nesterov momentum needs momentum > 0 and dampening"):
        optim.SGD([p], momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"Adam: betas\[0\] must be >= 0.0 and < 1.0, got 1.0"):
        optim.Adam([p], betas=(1.0, 0.999))
    with pytest.raises(ValueError, match=r"Adam: betas\[1\] must be >= 0.0 and < 1.0, got -0.5"):
        optim.Adam([p], betas=(0.9, -0.5))
    with pytest.raises(ValueError, match=r"Adam: betas must be a pair"):
        optim.Adam([p], betas=0.9)
    with pytest.raises(ValueError, match=r"Adam: eps must be >= 0.0, got -1e-08"):
        optim.Adam([p], eps=-1e-8)
    with pytest.raises(ValueError, match=r"Adam: lr must be >= 0.0, got nan"):
        optim.Adam([p], lr=float("nan"))
    with pytest.raises(ValueError, match=r"Adam: weight_decay must be >= 0.0, got -1"):
        optim.Adam([p], weight_decay=-1)
    with pytest.raises(ValueError, match=r"RMSprop: alpha must be >= 0.0, got -0.9"):
        optim.RMSprop([p], alpha=-0.9)
    with pytest.raises(ValueError, match=r"RMSprop: momentum must be >= 0.0, got -0.1"):
        optim.RMSprop([p], momentum=-0.1)
    with pytest.raises(TypeError, match=r"RMSprop: lr must be a number, got '0.1'"):
        optim.RMSprop([p], lr="0.1")
    with pytest.raises(ValueError, match=r"SGD: got an empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match=r"got a Tensor \(wrap it in a list"):
        optim.SGD(p)
    with pytest.raises(TypeError, match=r"can only optimize Tensors, but params\[1\] is a ndarray"):
        optim.SGD([p, np.zeros(1)])
    with pytest.raises(ValueError, match=r"can't optimize a non-leaf Tensor \(params\[0\]"):
        optim.SGD([p * 2])
    with pytest.warns(UserWarning, match=r"optimizer contains a parameter group with duplicate parameters"):
        optim.SGD([p, p])  # PyTorch warns and goes on (test_duplicate_parameters_step_twice_as_in_pytorch)
    with pytest.raises(ValueError, match=r"some parameters appear in more than one"):
        optim.SGD([{"params": [p]}, {"params": [p]}])
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['betas'\]"):
        optim.SGD([{"params": [p], "betas": (0.9, 0.9)}])
    with pytest.raises(TypeError, match=r"not a set"):
        optim.SGD({p})
    with pytest.raises(ValueError, match=r"SGD: lr must be >= 0.0, got -1"):
        optim.SGD([{"params": [p], "lr": -1}])
    with pytest.raises(TypeError, match=r"SGD: nesterov must be True or False, got 'yes'"):
        optim.SGD([p], momentum=0.9, nesterov="yes")
    with pytest.raises(ValueError, match=r"Adam: lr must be a finite number >= 0.0, got inf"):
        optim.Adam([p], lr=float("inf"))


def test_gradient_of_the_wrong_shape_is_an_error():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    p.grad = mg.tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError,
                       match=r"parameter of shape \(2,\) has a gradient of shape \(3,\)"):
        optim.SGD([p]).step()


def test_step_with_closure_returns_the_loss():
    p = mg.tensor([3.0], dtype=np.float64, requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(p.detach().numpy(), [1.5])


# ----------------------------------------------------------------------------- state_dict


def _run(opt, params, steps, dtype=np.float32):
    for _ in range(steps):
        opt.zero_grad()
        loss_of(mg, params, dtype).backward()
        opt.step()


MAKERS = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    "Adam": lambda ps: optim.Adam([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.003}],
                                  lr=0.01, amsgrad=True),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.005, momentum=0.5, centered=True),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("through_file", [False, True])
def test_resume_from_state_dict_is_bit_identical(name, through_file, tmp_path):
    make = MAKERS[name]
    straight = [mg.tensor(a, requires_grad=True) for a in initial_values(np.float32)]
    _run(make(straight), straight, 20)

    first = [mg.tensor(a, requires_grad=True) for a in initial_values(np.float32)]
    opt = make(first)
    _run(opt, first, 10)
    saved = {"optimizer": opt.state_dict(), "params": [p.detach().numpy().copy() for p in first]}
    _run(opt, first, 3)  # the saved dict must not follow the optimizer afterwards
    if through_file:
        mg.save(saved, tmp_path / "ckpt.npz")
        saved = mg.load(tmp_path / "ckpt.npz")

    resumed = [mg.tensor(a, requires_grad=True) for a in saved["params"]]
    opt2 = make(resumed)
    opt2.load_state_dict(saved["optimizer"])
    _run(opt2, resumed, 10)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_state_dict_layout():
    params = [mg.tensor(a, requires_grad=True) for a in initial_values(np.float32)]
    opt = MAKERS["Adam"](params)
    _run(opt, params, 2)
    params[1].grad = None
    sd = opt.state_dict()
    torch_flags = {"foreach": None, "capturable": False, "differentiable": False, "fused": None,
                   "decoupled_weight_decay": False}
    assert sd["param_groups"] == [
        {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": True,
         "maximize": False, **torch_flags, "params": [0, 1]},
        {"lr": 0.003, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": True,
         "maximize": False, **torch_flags, "params": [2]},
    ]
    assert sorted(sd["state"]) == [0, 1, 2]
    assert sorted(sd["state"][2]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    assert sd["state"][2]["step"] == 2
    assert sd["state"][2]["exp_avg"].shape == (4,) and sd["state"][2]["exp_avg"].dtype == np.float32


@pytest.mark.torch
def test_state_dict_keys_match_pytorch():
    torch = pytest.importorskip("torch")
    for name, options in [("SGD", dict(momentum=0.9)), ("Adam", dict(amsgrad=True)),
                          ("RMSprop", dict(momentum=0.5, centered=True))]:
        ours = getattr(optim, name)([mg.tensor([1.0], requires_grad=True)], **options)
        theirs = getattr(torch.optim, name)([torch.ones(1, requires_grad=True)], **options)
        for p in ours.param_groups[0]["params"]:
            p.grad = mg.tensor([1.0])
        ours.step()
        theirs.param_groups[0]["params"][0].grad = torch.ones(1)
        theirs.step()
        our_sd, their_sd = ours.state_dict(), theirs.state_dict()
        assert set(our_sd["state"][0]) == set(their_sd["state"][0])
        assert list(our_sd["param_groups"][0]) == list(their_sd["param_groups"][0])  # keys and order
        for key, value in our_sd["param_groups"][0].items():
            assert their_sd["param_groups"][0][key] == value, key
        for key, value in our_sd["state"][0].items():  # tensors, step included (float32 0-d)
            assert isinstance(value, mg.Tensor) and str(value.dtype) == str(their_sd["state"][0][key].dtype), key
            assert value.shape == tuple(their_sd["state"][0][key].shape), key


def test_load_state_dict_casts_to_the_parameter_dtype():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], momentum=0.9)
    opt.load_state_dict({"state": {0: {"momentum_buffer": np.array([1.0, 2.0])}},
                         "param_groups": [{**opt.defaults, "lr": 0.5, "params": [0]}]})
    assert opt.state[p]["momentum_buffer"].dtype == np.float32
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["params"][0] is p


def test_load_state_dict_errors_leave_the_optimizer_untouched():
    params = [mg.tensor(a, requires_grad=True) for a in initial_values(np.float32)]
    opt = MAKERS["Adam"](params)
    _run(opt, params, 2)
    good = opt.state_dict()

    def broken(change):
        sd = opt.state_dict()
        change(sd)
        return sd

    cases = [
        ({"state": {}}, r"expects a dict with keys 'state' and 'param_groups', got \['state'\]"),
        (broken(lambda sd: sd["param_groups"].pop()),
         r"the state dict has 1 parameter group\(s\), this optimizer has 2"),
        (broken(lambda sd: sd["param_groups"][0]["params"].pop()),
         r"param_groups\[0\] has 1 parameter\(s\) in the state dict but 2 in this optimizer"),
        (broken(lambda sd: sd["param_groups"][1].update(params=[0])),
         r"param_groups\[1\]\['params'\] must hold distinct integer indices, got 0"),
        (broken(lambda sd: sd["state"][0].update(exp_avg=np.zeros((3, 4), np.float32))),
         r"state\[0\]\['exp_avg'\] should be a real array of shape \(4, 3\).*got a float32 "
         r"array of shape \(3, 4\)"),
        (broken(lambda sd: sd["state"][1].pop("max_exp_avg_sq")),
         r"state of parameter 1 should have entries \['exp_avg', 'exp_avg_sq', "
         r"'max_exp_avg_sq', 'step'\], got \['exp_avg', 'exp_avg_sq', 'step'\]"),
        (broken(lambda sd: sd["state"][1].update(step=-1)),
         r"state\[1\]\['step'\] must be a non-negative integer \(or a 0-d tensor holding one\), got -1"),
        (broken(lambda sd: sd["state"].update({7: sd["state"][0]})),
         r"'state' has an entry for parameter 7, which no parameter group lists"),
        (broken(lambda sd: sd["param_groups"][1].update(lr=-1.0)),
         r"Adam: lr must be >= 0.0, got -1.0"),
        # wrong types, inf, unknown options and complex state are refused too
        (broken(lambda sd: sd["param_groups"][0].update(maximize="no")),
         r"param_groups\[0\]: Adam: maximize must be True or False, got 'no'"),
        (broken(lambda sd: sd["param_groups"][0].update(amsgrad=1)),
         r"Adam: amsgrad must be True or False, got 1"),
        (broken(lambda sd: sd["param_groups"][1].update(lr=float("inf"))),
         r"Adam: lr must be a finite number >= 0.0, got inf"),
        (broken(lambda sd: sd["param_groups"][1].update(lr=True)),
         r"Adam: lr must be a number, got True"),
        (broken(lambda sd: sd["param_groups"][1].update(eps="1e-8")),
         r"Adam: eps must be a number, got '1e-8'"),
        (broken(lambda sd: sd["param_groups"][0].update(momentum=0.9)),
         r"Adam: unknown option\(s\) \['momentum'\]"),
        (broken(lambda sd: sd["state"][0].update(exp_avg=np.zeros((4, 3), np.complex64))),
         r"state\[0\]\['exp_avg'\] should be a real array .*got a complex64 array"),
        (broken(lambda sd: sd["state"][0].update(exp_avg=np.zeros((4, 3), bool))),
         r"got a bool array"),
        (broken(lambda sd: sd["state"][0].update(step=2.0)),
         r"state\[0\]\['step'\] must be a non-negative integer \(or a 0-d tensor holding one\), got 2.0"),
        (broken(lambda sd: sd["state"].update({True: sd["state"].pop(1)})),
         r"'state' has an entry for parameter True"),
    ]
    before_state = {p: dict(s) for p, s in opt.state.items()}
    before_groups = [dict(g) for g in opt.param_groups]
    for state_dict, message in cases:
        with pytest.raises(ValueError, match=message):
            opt.load_state_dict(state_dict)
        assert [dict(g) for g in opt.param_groups] == before_groups
        assert opt.state.keys() == before_state.keys()
        for p in opt.state:
            assert all(opt.state[p][k] is v for k, v in before_state[p].items())

    sgd_state = optim.SGD(params, momentum=0.9)
    with pytest.raises(ValueError, match=r"1 parameter group\(s\), this optimizer has 2"):
        opt.load_state_dict(sgd_state.state_dict())
    opt.load_state_dict(good)  # and the good one still loads


@pytest.mark.gpu
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_optimizers_run_on_cupy_like_on_numpy(name):
    if not mg.cuda_available():
        pytest.skip("needs CuPy and a CUDA device")
    on_cpu = [mg.tensor(a, dtype=np.float64, requires_grad=True) for a in initial_values(np.float64)]
    _run(MAKERS[name](on_cpu), on_cpu, 5, np.float64)
    mg.set_backend("cupy")
    on_gpu = [mg.tensor(a, dtype=np.float64, requires_grad=True) for a in initial_values(np.float64)]
    opt = MAKERS[name](on_gpu)
    _run(opt, on_gpu, 5, np.float64)
    assert all(p.backend == "cupy" for p in on_gpu)
    for a, b in zip(on_cpu, on_gpu):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-10, atol=1e-12)
    state = opt.state_dict()
    opt.load_state_dict(state)
    assert all(opt.state[p][k].__class__.__module__.startswith("cupy")
               for p in on_gpu for k in opt.state[p] if k != "step")


@pytest.mark.torch
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_duplicate_parameters_step_twice_as_in_pytorch(name):
    """UNIT's shared blocks: optim.Adam(chain(E1.parameters(), E2.parameters())) lists the shared
    block's parameters twice. PyTorch warns, keeps both entries and updates such a parameter twice
    per step; its state_dict names it by its last place."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w0, v0 = rng.standard_normal(3), rng.standard_normal(2)
    runs = {}
    for lib, tensor in (("minigan", lambda a: mg.tensor(a, requires_grad=True)),
                        ("torch", lambda a: torch.tensor(a, requires_grad=True))):
        w, v = tensor(w0), tensor(v0)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            opt = getattr(optim if lib == "minigan" else torch.optim, name)([w, v, w], lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            ((w * w).sum() + (v * w[:2]).sum()).backward()
            opt.step()
        runs[lib] = (w.detach().numpy().copy(), v.detach().numpy().copy(), opt.state_dict())
    (mw, mv, msd), (tw, tv, tsd) = runs["minigan"], runs["torch"]
    np.testing.assert_allclose(mw, tw, rtol=1e-12)
    np.testing.assert_allclose(mv, tv, rtol=1e-12)
    assert msd["param_groups"][0]["params"] == tsd["param_groups"][0]["params"] == [2, 1, 2]
    assert sorted(msd["state"]) == sorted(tsd["state"])
    w, v = mg.tensor(w0, requires_grad=True), mg.tensor(v0, requires_grad=True)
    with pytest.warns(UserWarning):
        again = getattr(optim, name)([w, v, w], lr=0.1)
    again.load_state_dict(msd)  # the repeated index loads back onto the same parameter
    assert again.state_dict()["param_groups"] == msd["param_groups"]
