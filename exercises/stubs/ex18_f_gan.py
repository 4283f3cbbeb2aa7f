"""Exercise 18 (lesson 11): the f-GAN losses (Nowozin et al. 2016).

    f_gan_losses(real_v, fake_v, divergence) -> (d_loss, g_loss), two 0-d Tensors

real_v, fake_v: the discriminator's raw outputs v (Tensors of any shape) on real and on generated
samples. divergence names f, and the output activation g_f that maps v into the domain of f*:

    "kl"          f(u) = u log u                          g_f(v) = v
    "reverse_kl"  f(u) = -log u                           g_f(v) = -exp(-v)
    "pearson"     f(u) = (u - 1)^2                        g_f(v) = v
    "gan"         f(u) = u log u - (u + 1) log(u + 1)     g_f(v) = -log(1 + exp(-v))  (= -softplus(-v))

With T = g_f(v) and f* the convex conjugate of f, f*(t) = sup_u [t u - f(u)] (derive it: the sup
is at the u where f'(u) = t), the variational bound is  mean(T(real)) - mean(f*(T(fake))):
    d_loss = -(mean of g_f(real_v) - mean of f*(g_f(fake_v)))     D maximises the bound
    g_loss = -(mean of f*(g_f(fake_v)))                            G minimises it (the real term
                                                                   does not depend on G)
Use Tensor operations only (.exp(), .log(), mg.softplus, ...): the losses are trained through. An
unknown divergence is a ValueError naming the four choices.
Grade it: pytest -m ex_f_gan.  Hints: HINTS.md, exercise 18.
"""

import minigan as mg


def f_gan_losses(real_v, fake_v, divergence):
    raise NotImplementedError("Exercise 18: write f_gan_losses")
