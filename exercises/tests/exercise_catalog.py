"""The list of exercises: one row each, the single place that names them.

The test conftest, the handout command (tools/handout.py), the class grader (exercises/grade_class.py)
and the CI proof (tests/test_exercises.py) all read this table.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    number: int   # "Exercise N" in the stub's NotImplementedError
    marker: str   # the pytest marker: pytest -m ex_sigmoid grades this exercise alone
    module: str   # the file a student edits: stubs/<module>.py
    points: int   # what the exercise is worth; each of its tests earns an equal share
    lesson: int   # the lesson that ends with this exercise
    title: str


EXERCISES = (
    Exercise(1, "ex_sigmoid", "ex01_sigmoid", 5, 1, "a sigmoid that never overflows"),
    Exercise(2, "ex_linear", "ex02_linear", 5, 1, "Linear forward and backward (dW = g^T X)"),
    Exercise(3, "ex_sum_to", "ex03_sum_to", 5, 2, "sum_to: undoing broadcasting"),
    Exercise(4, "ex_matmul", "ex04_matmul", 5, 2, "matmul's backward with broadcast batch dimensions"),
    Exercise(5, "ex_leaky_relu", "ex05_leaky_relu", 5, 3, "LeakyReLU as a Function"),
    Exercise(6, "ex_im2col", "ex06_im2col", 10, 3, "im2col: convolution as one matrix product"),
    Exercise(7, "ex_col2im", "ex07_col2im", 10, 3, "col2im and conv2d's input gradient"),
    Exercise(8, "ex_batchnorm", "ex08_batchnorm", 10, 3, "batch norm's backward in training mode"),
    Exercise(9, "ex_bce_logits", "ex09_bce_logits", 5, 4, "binary cross-entropy from logits"),
    Exercise(10, "ex_d_step", "ex10_d_step", 5, 5, "the discriminator step"),
    Exercise(11, "ex_g_step", "ex11_g_step", 5, 5, "the generator step"),
    Exercise(12, "ex_adam", "ex12_adam", 5, 6, "one Adam step"),
    Exercise(13, "ex_minibatch_std", "ex13_minibatch_std", 5, 9, "the minibatch standard deviation layer"),
    Exercise(14, "ex_feature_matching", "ex14_feature_matching", 5, 9, "the feature-matching loss"),
    Exercise(15, "ex_gradient_penalty", "ex15_gradient_penalty", 10, 12, "the WGAN-GP gradient penalty"),
    Exercise(16, "ex_frechet", "ex16_frechet", 5, 14, "the Frechet distance between two Gaussians"),
    Exercise(17, "ex_sgd_momentum", "ex17_sgd_momentum", 5, 6, "one step of SGD with momentum"),
    Exercise(18, "ex_f_gan", "ex18_f_gan", 5, 11, "the f-GAN losses from a convex conjugate"),
    Exercise(19, "ex_vae", "ex19_vae", 10, 15, "the VAE's reparameterisation and KL term"),
    Exercise(20, "ex_nearest_neighbour", "ex20_nearest_neighbour", 5, 22, "nearest training neighbours: does G copy?"),
    Exercise(21, "ex_game_step", "ex21_game_step", 5, 8, "one step of simultaneous or alternating gradient play"),
    Exercise(22, "ex_instance_norm", "ex22_instance_norm", 5, 16, "instance normalisation, forward and backward"),
    Exercise(23, "ex_reflection_pad", "ex23_reflection_pad", 5, 17, "reflection padding and its backward"),
    Exercise(24, "ex_pixel_shuffle", "ex24_pixel_shuffle", 5, 18, "PixelShuffle, the sub-pixel convolution's rearrangement"),
    Exercise(25, "ex_cycle_loss", "ex25_cycle_loss", 5, 17, "CycleGAN's generator loss: adversarial, cycle and identity terms"),
    Exercise(26, "ex_pixel_norm", "ex26_pixel_norm", 5, 19, "pixel-wise feature normalisation"),
    Exercise(27, "ex_equalized_conv", "ex27_equalized_conv", 5, 19, "the equalized-learning-rate convolution"),
    Exercise(28, "ex_adain", "ex28_adain", 5, 20, "adaptive instance normalisation (AdaIN)"),
    Exercise(29, "ex_fade_in", "ex29_fade_in", 5, 19, "the fade-in of a new block (torch.lerp)"),
    Exercise(30, "ex_truncation", "ex30_truncation", 5, 20, "the truncation trick"),
)

BY_MARKER = {e.marker: e for e in EXERCISES}
BY_MODULE = {e.module: e for e in EXERCISES}
