"""GANs from the building blocks: losses, models, remedies, training steps, the Trainer, plots,
    metrics.

    from minigan import gan
    G, D = gan.DCGANGenerator28(), gan.DCGANDiscriminator28()
    stats = gan.d_step(G, D, opt_d, real, z, gan.LOSSES["bce"])
"""

from minigan.gan.losses import (
    LOSSES, GANLoss, d_loss_bce, d_loss_hinge, d_loss_least_squares, d_loss_wasserstein,
                                g_loss_least_squares,
    g_loss_feature_matching, g_loss_minimax, g_loss_nonsaturating, g_loss_wasserstein, get_loss,
                                gradient_penalty,
)
from minigan.gan import plots  # noqa: F401  (matplotlib is imported only when a plot is drawn)
from minigan.gan.metrics import (
    class_coverage, classifier_score, feature_statistics, frechet_distance,
                                 frechet_distance_from_features,
    mode_metrics, precision_recall,
)
from minigan.gan.models import (
    ConditionalDiscriminator28, ConditionalGenerator28, DCGANDiscriminator28, DCGANDiscriminator64,
    DCGANGenerator28, DCGANGenerator64, MLPDiscriminator, MLPGenerator, ProDiscriminator,
    ProGenerator, StyleGenerator, dcgan_init,
)
from minigan.gan.objectives import Adversarial, FeatureMatching, Unrolled, unrolled_scores
from minigan.gan.remedies import Packed, add_minibatch_layer, spectral_normalise
from minigan.gan.sampling import generate, sample
from minigan.gan.steps import d_step, g_step, grad_norm
from minigan.gan.training import TrainConfig, Trainer, TrainingDiverged
