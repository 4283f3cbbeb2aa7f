"""optim.lr_scheduler: LambdaLR, StepLR, MultiStepLR, ExponentialLR, LinearLR against PyTorch's, epoch
by epoch (also after a rate changed by hand, and with step(epoch)); get_last_lr, last_epoch,
state_dict/load_state_dict (through a checkpoint file too), warnings and errors."""

import warnings

import numpy as np
import pytest

import minigan as mg
from minigan import optim
from minigan.optim.lr_scheduler import ExponentialLR, LambdaLR, LinearLR, MultiStepLR, StepLR

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


class CycleGANDecay:
    """The decay of the CycleGAN/UNIT/MUNIT programs: 1 until decay_start, then linearly to 0."""

    def __init__(self, n_epochs, offset, decay_start):
        self.n_epochs, self.offset, self.decay_start = n_epochs, offset, decay_start

    def step(self, epoch):
        return 1.0 - max(0, epoch + self.offset - self.decay_start) / (self.n_epochs - self.decay_start)


SCHEDULES = {
    "LambdaLR": lambda lib, opt: lib.optim.lr_scheduler.LambdaLR(opt, lr_lambda=CycleGANDecay(10, 0, 4).step),
    "LambdaLR_per_group": lambda lib, opt: lib.optim.lr_scheduler.LambdaLR(opt, [lambda e: 0.9 ** e, lambda e: 1 / (e + 1)]),
    "StepLR": lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
    "MultiStepLR": lambda lib, opt: lib.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 5, 5], gamma=0.3),
    "ExponentialLR": lambda lib, opt: lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.8),
    "LinearLR": lambda lib, opt: lib.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=4),
    "LinearLR_decay": lambda lib, opt: lib.optim.lr_scheduler.LinearLR(opt, 1.0, 0.1, total_iters=6),
}


def _optimizer(lib):
    """Adam over two parameter groups with their own rates, for minigan or torch."""
    w = lib.nn.Parameter(lib.ones(2))
    v = lib.nn.Parameter(lib.ones(3))
    return lib.optim.Adam([{"params": [w]}, {"params": [v], "lr": 0.01}], lr=0.1, betas=(0.5, 0.999))


def _run(lib, name, epochs=9, hand_change_at=None):
    opt = _optimizer(lib)
    scheduler = SCHEDULES[name](lib, opt)
    rates = [scheduler.get_last_lr()]
    for epoch in range(epochs):
        opt.step()
        if epoch == hand_change_at:
            opt.param_groups[0]["lr"] *= 0.5  # a chainable scheduler carries the change on
        scheduler.step()
        rates.append(scheduler.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == rates[-1]
    return rates, scheduler.last_epoch


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_torch_epoch_by_epoch(name):
    ours, ours_epoch = _run(mg, name)
    theirs, their_epoch = _run(torch, name)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)
    assert ours_epoch == their_epoch == 9


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "LinearLR"])
def test_a_rate_changed_by_hand_carries_on_as_in_torch(name):
    np.testing.assert_allclose(_run(mg, name, hand_change_at=3)[0], _run(torch, name, hand_change_at=3)[0], rtol=1e-15)


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "LinearLR", "LambdaLR"])
def test_step_with_an_epoch_uses_the_closed_form_as_torch(name):
    results = []
    for lib in (mg, torch):
        opt = _optimizer(lib)
        scheduler = SCHEDULES[name](lib, opt)
        rates = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # both warn that step(epoch) is deprecated
            opt.step()
            for epoch in (4, 2, 7):
                scheduler.step(epoch)
                rates.append(scheduler.get_last_lr())
        results.append(rates)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-15)


def test_the_cyclegan_decay_reaches_zero_at_the_last_epoch():
    opt = _optimizer(mg)
    scheduler = LambdaLR(opt, lr_lambda=CycleGANDecay(10, 0, 4).step)
    for _ in range(10):
        opt.step()
        scheduler.step()
    assert scheduler.get_last_lr() == [0.0, 0.0] and scheduler.last_epoch == 10
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.01]


@pytest.mark.parametrize("name", list(SCHEDULES))
@pytest.mark.parametrize("through_file", [False, True])
def test_state_dict_resumes_the_schedule(name, through_file, tmp_path):
    opt = _optimizer(mg)
    scheduler = SCHEDULES[name](mg, opt)
    for _ in range(4):
        opt.step()
        scheduler.step()
    state, opt_state = scheduler.state_dict(), opt.state_dict()
    if through_file:
        mg.save({"scheduler": state, "optimizer": opt_state}, tmp_path / "ckpt.npz")
        loaded = mg.load(tmp_path / "ckpt.npz")
        state, opt_state = loaded["scheduler"], loaded["optimizer"]
    resumed_opt = _optimizer(mg)
    resumed = SCHEDULES[name](mg, resumed_opt)  # first the scheduler (it sets the rates), as PyTorch says,
    resumed_opt.load_state_dict(opt_state)       # then the optimizer's rates and state
    resumed.load_state_dict(state)
    for _ in range(5):
        for o, s in ((opt, scheduler), (resumed_opt, resumed)):
            o.step()
            s.step()
        assert resumed.get_last_lr() == scheduler.get_last_lr()
    assert resumed.last_epoch == scheduler.last_epoch == 9


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "LinearLR"])
def test_state_dict_has_torchs_keys_and_values(name):
    ours = SCHEDULES[name](mg, _optimizer(mg)).state_dict()
    theirs = SCHEDULES[name](torch, _optimizer(torch)).state_dict()
    assert sorted(ours) == sorted(theirs)
    for key, value in theirs.items():
        assert ours[key] == value, key


def test_lambda_lr_saves_a_callable_objects_attributes_and_not_functions():
    decay = CycleGANDecay(10, 0, 4)
    # the CycleGAN programs pass a bound method: not a plain function, so its (empty) __dict__ is saved
    ours = LambdaLR(_optimizer(mg), [decay.step, lambda e: 1.0])
    theirs = torch.optim.lr_scheduler.LambdaLR(_optimizer(torch), [decay.step, lambda e: 1.0])
    assert ours.state_dict()["lr_lambdas"] == theirs.state_dict()["lr_lambdas"] == [{}, None]

    class Halve:
        def __init__(self):
            self.factor = 0.5

        def __call__(self, epoch):
            return self.factor

    saved = LambdaLR(_optimizer(mg), Halve()).state_dict()
    assert saved["lr_lambdas"] == [{"factor": 0.5}, {"factor": 0.5}]
    fresh = Halve()
    fresh.factor = 0.1
    LambdaLR(_optimizer(mg), fresh).load_state_dict(saved)
    assert fresh.factor == 0.5


def test_stepping_the_scheduler_before_the_optimizer_warns_as_torch():
    opt = _optimizer(mg)
    scheduler = StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        scheduler.step()
    opt = _optimizer(mg)
    scheduler = ExponentialLR(opt, 0.5)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler.step()
    with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
        scheduler.get_lr()


def test_errors_are_torchs():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        StepLR([], 2)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        LambdaLR(_optimizer(mg), [lambda e: 1.0])
    with pytest.raises(ValueError, match="Starting multiplicative factor expected to be greater than 0"):
        LinearLR(_optimizer(mg), start_factor=0)
    with pytest.raises(ValueError, match="Ending multiplicative factor expected to be between 0 and 1"):
        LinearLR(_optimizer(mg), end_factor=1.5)
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        MultiStepLR(_optimizer(mg), [1], last_epoch=3)
    with pytest.raises(ValueError, match=r"the state dict has no \['base_lrs', 'last_epoch'\]"):
        StepLR(_optimizer(mg), 2).load_state_dict({"gamma": 0.5})


def test_resuming_with_last_epoch_continues_the_schedule():
    opt = _optimizer(mg)
    first = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        opt.step()
        first.step()
    again = StepLR(opt, step_size=2, gamma=0.5, last_epoch=first.last_epoch)  # initial_lr is in the groups
    assert again.base_lrs == [0.1, 0.01] and again.last_epoch == 4


def test_import_paths_are_torchs():
    import minigan.optim.lr_scheduler as module

    assert optim.lr_scheduler is module and mg.optim.lr_scheduler.StepLR is StepLR
    assert issubclass(StepLR, module.LRScheduler) and module._LRScheduler is module.LRScheduler
