"""The named mutants of ``mutation/run.py``: one deliberate bug each.

A mutant is ``Mutant(name, file, original, replacement, tests, env)``:

* ``file``: where the snippet lives, relative to ``src/sigmoid_mlp``.  If the
  snippet has moved, the runner finds it anywhere in the package as long as it
  is unique there (and says "moved"); re-pointing a mutant after a
  reorganisation is then a one-line change of ``file``.
* ``original``: an exact, unique snippet of today's source (several lines if
  needed to make it unique); ``replacement``: the bug.
* ``tests``: pytest arguments (files, node ids, ``-k`` expressions) that
  must fail on the mutant: the tests written to catch that bug.
* ``env``: a key of :data:`ENVIRONMENTS`: ``'default'`` (the package as
  installed: the compiled engine where numba takes the problem),
  ``'numpy'`` (``SIGMOID_MLP_ENGINE=numpy``: the numpy engines and the
  Python 'lm' loop, for a mutant in code the compiled engine bypasses) or
  ``'nojit'`` (``NUMBA_DISABLE_JIT=1``: the compiled engine run as Python,
  for a mutant inside compiled code, without compiling it again).
"""

from __future__ import annotations

from typing import NamedTuple

ENVIRONMENTS = {
    "default": {},
    "numpy": {"SIGMOID_MLP_ENGINE": "numpy"},
    "nojit": {"NUMBA_DISABLE_JIT": "1"},
}


class Mutant(NamedTuple):
    name: str
    file: str
    original: str
    replacement: str
    tests: tuple
    env: str = "default"


T_NET = "tests/test_network.py"
T_ORACLE = "tests/test_literal_oracles.py"
T_EVIDENCE = "tests/test_evidence.py"

MUTANTS = [
    # ---------------------------------------------------- the reference math
    Mutant("sigmoid_sign", "_network.py",
           "        return expit(z, out=out)",
           "        return expit(-z, out=out)",
           (T_NET,)),
    Mutant("sigmoid_derivative", "_network.py",
           "    return a * (1 - a)\n",
           "    return a * (1 + a)\n",
           (T_NET,)),
    Mutant("backward_hidden_slope", "_network.py",
           "            delta *= a\n            delta *= 1 - a\n",
           "            delta *= a\n",
           (T_NET,)),
    Mutant("backward_l2_term", "_network.py",
           "            grad += alpha * coefs[layer]\n",
           "            grad += 0.5 * alpha * coefs[layer]\n",
           (T_NET,)),
    Mutant("jacobian_hidden_slope", "_network.py",
           "            slope = a * (1 - a)  # g'(z) from the stored activation",
           "            slope = a  # g'(z) from the stored activation",
           (T_NET,)),
    Mutant("sigmoid_array_api_branch", "_network.py",
           "    return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))",
           "    return xp.where(z >= 0, 1 / (1 + e), 1 / (1 + e))",
           ("tests/test_network_array_api.py",)),
    # ------------------------------------------ the engines' chain rule, L2
    Mutant("kernel_hidden_slope", "_kernels.py",
           "                    np.multiply(new_delta, a, out=new_delta)\n"
           "                    np.subtract(1, a, out=a)\n",
           "                    np.multiply(new_delta, a, out=new_delta)\n"
           "                    np.subtract(2, a, out=a)\n",
           ("tests/test_kernels.py",), "numpy"),
    Mutant("kernel_first_layer_row_scale", "_kernels.py",
           "            if row_scale is not None:\n"
           "                np.multiply(gV0, row_scale, out=gV0)\n",
           "            if row_scale is not None:\n"
           "                pass\n",
           ("tests/test_kernels.py",), "numpy"),
    Mutant("kernel_l2_mask", "_kernels.py",
           "                np.add(grad, tmp, out=grad)\n",
           "                np.add(grad, 2 * tmp, out=grad)\n",
           ("tests/test_kernels.py",), "numpy"),
    Mutant("minibatch_l2_weight", "_minibatch.py",
           "            loss += 0.5 * alpha * total / weight_sum\n",
           "            loss += 0.5 * alpha * total / self.weight_sum\n",
           ("tests/test_minibatch.py",), "numpy"),
    Mutant("minibatch_reported_l2", "_minibatch.py",
           "            loss += 0.5 * alpha * total / weight_sum\n",
           "            loss += 0.25 * alpha * total / weight_sum\n",
           ("tests/test_vs_mlpregressor_solvers.py::"
            "test_two_hidden_layers_and_several_outputs_follow_mlpregressor",),
           "numpy"),
    Mutant("minibatch_hidden_slope", "_minibatch.py",
           "                np.multiply(new, a_in, out=new)\n"
           "                np.subtract(1, a_in, out=tmp)\n",
           "                np.multiply(new, a_in, out=new)\n"
           "                np.subtract(1, new, out=tmp)\n",
           (T_ORACLE, "-k", "step_rules and adam"), "numpy"),
    Mutant("compiled_sigmoid_polynomial", "_compiled/core.py",
           "        p = p * r + 0.5\n",
           "        p = p * r + 0.25\n",
           ("tests/test_kernels.py", "-k", "compiled_sigmoid_matches_expit"),
           "default"),
    Mutant("gauss_newton_intercepts_option", "_network.py",
           "        if intercepts:\n            mask[self.n_coef:] = 1.0",
           "        if False:\n            mask[self.n_coef:] = 1.0",
           (T_ORACLE, "-k", "lm_iterations or mackay"), "numpy"),
    # ------------------------------------------------------ the step rules
    Mutant("sgd_nesterov_lookahead", "_solvers.py",
           "        if self.nesterov:\n"
           "            updates = [mu * v - lr * g for v, g in zip(self.velocities, grads)]",
           "        if self.nesterov:\n"
           "            updates = [mu * v for v, g in zip(self.velocities, grads)]",
           (T_ORACLE, "-k", "step_rules and nesterov"), "numpy"),
    Mutant("sgd_momentum_velocity", "_solvers.py",
           "        updates = [mu * v - lr * g for v, g in zip(self.velocities, grads)]\n"
           "        self.velocities = updates\n",
           "        updates = [mu * mu * v - lr * g for v, g in zip(self.velocities, grads)]\n"
           "        self.velocities = updates\n",
           (T_ORACLE, "-k", "step_rules and momentum"), "numpy"),
    Mutant("adam_bias_t", "_solvers.py",
           "np.sqrt(1 - b2**self.t) / (1 - b1**self.t)",
           "np.sqrt(1 - b2**self.t) / (1 - b1**(self.t + 1))",
           (T_ORACLE, "-k", "step_rules and adam"), "nojit"),
    Mutant("adam_second_moment", "_solvers.py",
           "        self.vs = [b2 * v + (1 - b2) * (g**2) for v, g in zip(self.vs, grads)]",
           "        self.vs = [b2 * v + (1 - b2) * abs(g) for v, g in zip(self.vs, grads)]",
           (T_ORACLE, "-k", "step_rules and adam"), "numpy"),
    Mutant("gd_step_size", "_solvers.py",
           "        return [p - lr * g for p, g in zip(params, grads)]",
           "        return [p - 0.5 * lr * g for p, g in zip(params, grads)]",
           (T_ORACLE, "-k", "full_batch_gd"), "numpy"),
    Mutant("fast_gd_step_size", "_kernels.py",
           "scale = -float(learning_rate)",
           "scale = -0.5 * float(learning_rate)",
           (T_ORACLE, "-k", "full_batch_gd"), "numpy"),
    Mutant("minibatch_momentum", "_solvers.py",
           "np.multiply(v, mu, out=v)",
           "np.multiply(v, mu * mu, out=v)",
           (T_ORACLE, "-k", "step_rules and momentum"), "numpy"),
    Mutant("compiled_adam_bias_t", "_compiled/mini_batch.py",
           "1.0 - beta_1 ** float(t))",
           "1.0 - beta_1 ** float(t + 1))",
           (T_ORACLE, "-k", "step_rules and adam"), "nojit"),
    # --------------------------------------------------------- the schedules
    Mutant("invscaling_samples_seen", "_solvers.py",
           "    def epoch_ends(self, samples_seen):\n"
           "        \"\"\"Move the schedule on after an epoch (``samples_seen``: :math:`t`).\"\"\"\n"
           "        if self.schedule == \"invscaling\":\n"
           "            self.learning_rate = self.learning_rate_init / (\n"
           "                (samples_seen + 1) ** self.power_t",
           "    def epoch_ends(self, samples_seen):\n"
           "        \"\"\"Move the schedule on after an epoch (``samples_seen``: :math:`t`).\"\"\"\n"
           "        if self.schedule == \"invscaling\":\n"
           "            self.learning_rate = self.learning_rate_init / (\n"
           "                (samples_seen + 2) ** self.power_t",
           (T_ORACLE, "-k", "invscaling"), "numpy"),
    Mutant("adaptive_divisor", "_solvers.py",
           "        self.learning_rate /= 5.0\n",
           "        self.learning_rate /= 4.0\n",
           (T_ORACLE, "-k", "adaptive"), "numpy"),
    # ------------------------------------------------ Levenberg-Marquardt
    Mutant("lm_damping_accept", "_solvers.py",
           "    return mu * max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)",
           "    return mu * max(1.0 / 2.0, 1.0 - (2.0 * rho - 1.0) ** 3)",
           (T_ORACLE, "-k", "lm_iterations"), "numpy"),
    Mutant("lm_reject_nu", "_lm.py",
           "        self.mu *= self.nu\n        self.nu *= 2.0",
           "        self.mu *= self.nu\n        self.nu *= 3.0",
           (T_ORACLE, "-k", "lm_iterations or mackay"), "numpy"),
    Mutant("lm_gain_ratio_model", "_lm.py",
           "        predicted = 0.5 * float(step @ (self.mu * step - grad))",
           "        predicted = 0.5 * float(step @ (self.mu * step + grad))",
           (T_ORACLE, "-k", "lm_iterations or mackay"), "numpy"),
    Mutant("lm_acceptance_threshold", "_lm.py",
           "                if rho > 0:\n                    damping.accept(rho)",
           "                if rho > 0.9:\n                    damping.accept(rho)",
           (T_ORACLE, "-k", "lm_iterations or mackay"), "numpy"),
    Mutant("lm_mu_start", "_lm.py",
           "    tau = 1e-3\n",
           "    tau = 1e-2\n",
           (T_ORACLE, "-k", "lm_iterations or mackay"), "numpy"),
    Mutant("compiled_lm_reject", "_compiled/lm.py",
           "            else:\n                mu *= nu\n                nu *= 2.0",
           "            else:\n                mu *= nu\n                nu *= 4.0",
           # (not the 'mackay' tests: without the JIT, the fused iterations
           # call reestimate with its keyword-only argument by position)
           (T_ORACLE, "-k", "lm_iterations"), "nojit"),
    Mutant("compiled_curvature_unweighted", "_compiled/lm.py",
           "                    for i in range(c):\n                        ja[i] *= wj[i]\n",
           "",
           ("tests/test_training_lm.py", "-k", "system_matches_the_reference_math"),
           "nojit"),
    Mutant("compiled_curvature_whole_block", "_compiled/lm.py",
           "    ints[1] = c\n",
           "    ints[1] = jac.shape[1]\n",
           ("tests/test_training_lm.py", "-k", "system_matches_the_reference_math"),
           "nojit"),
    # --------------------------------------------------------- the evidence
    Mutant("evidence_gamma", "_evidence.py",
           "    gamma = n_penalised - float(alpha) * float(penalised @ diagonal)",
           "    gamma = n_penalised - 0.5 * float(alpha) * float(penalised @ diagonal)",
           (T_ORACLE, "-k", "mackay"), "default"),
    Mutant("evidence_dof", "_evidence.py",
           "    # residual_dof, written out: the compiled engine compiles this function\n"
           "    dof = max(n_residuals - n_unpenalised - gamma, min(1.0, 0.5 * n_residuals))\n",
           "    # residual_dof, written out: the compiled engine compiles this function\n"
           "    dof = max(n_residuals - n_unpenalised, min(1.0, 0.5 * n_residuals))\n",
           (T_ORACLE, "-k", "mackay"), "default"),
    Mutant("predictive_t_dof", "_evidence.py",
           "    return max(n_residuals - n_unpenalised - gamma, min(1.0, 0.5 * n_residuals))",
           "    return max(n_residuals - n_unpenalised, min(1.0, 0.5 * n_residuals))",
           (T_EVIDENCE, "-k", "dense_laplace or residual_dof"), "default"),
    Mutant("predictive_normal_not_t", "_evidence.py",
           "    variance = scale2 * (dof / (dof - 2.0) if dof > 2.0 else math.inf)",
           "    variance = scale2",
           (T_EVIDENCE, "-k", "dense_laplace or predictive_variance"), "default"),
    Mutant("predictive_inf_unwarned", "_regressor.py",
           "    bad = [m for m in fits if m._posterior_dof <= 2.0]",
           "    bad = [m for m in fits if m._posterior_dof < 1.0]",
           (T_EVIDENCE, "-k", "no_variance"), "default"),
    Mutant("committee_warns_per_member", "_regressor.py",
           "[m._predict_std(X, warn=False) ** 2 for m in committee]",
           "[m._predict_std(X) ** 2 for m in committee]",
           ("tests/test_committee.py", "-k", "finite_variance"), "default"),
    Mutant("hyper_without_beta", "_evidence.py",
           "    return np.hstack([directions * weights, shared])",
           "    return directions * weights",
           (T_EVIDENCE, "-k", "dense_laplace"), "default"),
    Mutant("hyper_error_bar", "_evidence.py",
           "    weights[gammas > 0] = np.sqrt(2.0 / gammas[gammas > 0])",
           "    weights[gammas > 0] = np.sqrt(1.0 / gammas[gammas > 0])",
           (T_EVIDENCE, "-k", "dense_laplace"), "default"),
    Mutant("hyper_groups_mixed", "_evidence.py",
           "    pulls = members * alphas[None, :] * np.asarray(x, dtype=np.float64)[:, None]",
           "    pulls = members * alphas.mean() * np.asarray(x, dtype=np.float64)[:, None]",
           ("tests/test_ard.py", "-k", "error_bars"), "default"),
    Mutant("hyper_for_fixed_alpha", "_fitting.py",
           "ard=ard, chosen=regulariser is not None)",
           "ard=ard, chosen=True)",
           (T_EVIDENCE, "-k", "pipeline_and_after_fixed"), "default"),
    Mutant("evidence_alpha_ratio", "_evidence.py",
           "        alpha = gamma * e_data / (dof * e_weights)",
           "        alpha = gamma * e_data / (dof * e_weights) * 1.01",
           (T_ORACLE, "-k", "mackay"), "default"),
    Mutant("evidence_alpha_fixed_point", "_evidence.py",
           "        alpha = gamma * e_data / (dof * e_weights)",
           "        alpha = 1.001 * gamma * e_data / (dof * e_weights)",
           (T_EVIDENCE, "-k", "fixed_point"), "default"),
    Mutant("evidence_log_det", "_evidence.py",
           "        - alpha * beta * e_weights\n"
           "        - 0.5 * float(log_det) - 0.5 * (n_penalised + n_unpenalised) * log_beta",
           "        - alpha * beta * e_weights\n"
           "        - 0.5 * float(log_det) - 0.5 * n_penalised * log_beta",
           # (under alpha='auto' every weight is penalised: n_unpenalised is
           # 0 and the mutant equivalent; the exact linear-model evidence has
           # an unpenalised intercept)
           (T_EVIDENCE, "-k", "exact_marginal_likelihood"), "default"),
    Mutant("evidence_prior_term", "_evidence.py",
           "        + 0.5 * n_penalised * log_alpha_m\n",
           "        + 0.5 * n_penalised * log_beta\n",
           (T_ORACLE, "-k", "mackay"), "default"),
    Mutant("evidence_noise_term", "_evidence.py",
           "        + 0.5 * n_penalised * log_alpha_m\n"
           "        + 0.5 * n_unpenalised * math.log(2 * math.pi)\n"
           "        + 0.5 * n_residuals * (log_beta - math.log(2 * math.pi))",
           "        + 0.5 * n_penalised * log_alpha_m\n"
           "        + 0.5 * n_unpenalised * math.log(2 * math.pi)\n"
           "        + 0.5 * n_residuals * log_beta",
           (T_ORACLE, "-k", "mackay"), "default"),
    Mutant("evidence_beta_posterior", "_evidence.py",
           "        _, _, beta = reestimate(gamma, e_data, e_weights, n_residuals,",
           "        _, _, beta = reestimate(gamma, 1.01 * e_data, e_weights, n_residuals,",
           (T_ORACLE, "-k", "mackay"), "default"),
    Mutant("evidence_residual_count", "_evidence.py",
           "        e_data = max(S * float(loss) - system.alpha * e_weights, 0.0)\n"
           "        return e_data, e_weights, system.y.shape[1] * S",
           "        e_data = max(S * float(loss) - system.alpha * e_weights, 0.0)\n"
           "        return e_data, e_weights, system.y.shape[1] * system.y.shape[0]",
           (T_ORACLE, "-k", "mackay and True"), "default"),
    Mutant("evidence_intercept_floor", "_evidence.py",
           "    C.flat[:: p + 1] += c * float(alpha) * (1.0 - penalised)",
           "    C.flat[:: p + 1] += 10 * c * float(alpha) * (1.0 - penalised)",
           (T_EVIDENCE, "-k", "dense_laplace or undetermined"), "default"),
    # ------------------------------------------------ normalize_y, weights
    Mutant("normalize_y_evidence_jacobian", "_lm.py",
           "    log_evidence = post.log_evidence - system.weight_sum * float(\n"
           "        np.sum(np.log(scale)))",
           "    log_evidence = post.log_evidence",
           (T_EVIDENCE, "-k", "normalize_y_is_the_density or jacobian_of_a"),
           "default"),
    Mutant("normalize_y_evidence_rescaled", "_lm.py",
           "    log_evidence = post.log_evidence - system.weight_sum * float(\n"
           "        np.sum(np.log(scale)))",
           "    log_evidence = post.log_evidence",
           (T_EVIDENCE, "-k", "jacobian_of_a"), "default"),
    Mutant("normalize_y_evidence_weight_sum", "_lm.py",
           "    log_evidence = post.log_evidence - system.weight_sum * float(",
           "    log_evidence = post.log_evidence - X.shape[0] * float(",
           (T_EVIDENCE, "-k", "jacobian_of_a"), "default"),
    Mutant("normalize_y_fold_mean", "_fitting.py",
           "    return coef * scale, intercept * scale + mean\n",
           "    return coef * scale, intercept * scale\n",
           (T_EVIDENCE, "-k", "normalize_y_is_standardising"), "default"),
    Mutant("normalize_y_noise_scale", "_lm.py",
           "    noise = scale**2 / post.beta",
           "    noise = scale / post.beta",
           (T_EVIDENCE, "-k", "normalize_y_is_the_density"), "default"),
    Mutant("target_scaling_weighted_mean", "_fitting.py",
           "        mean = xp.sum(w * y, axis=0) / total",
           "        mean = xp.mean(y, axis=0)",
           (T_EVIDENCE, "-k", "normalize_y_is_standardising"), "default"),
    Mutant("weight_sum_ignores_weights", "_network.py",
           "    return float(X.shape[0]) if sample_weight is None else host_sum(sample_weight)",
           "    return float(X.shape[0])",
           (T_ORACLE, "-k", "step_rules and adam"), "numpy"),
    Mutant("lm_solver_broken", "_lm.py",
           "        damping = LevenbergMarquardt(curvature)\n",
           "        damping = LevenbergMarquardt(curvature, None)\n",
           ("tests/reliability/test_reliability_solvers.py",), "default"),
    # ------------------------------------- stopping, divergence, restarts
    Mutant("no_improvement_rule", "_protocol.py",
           "    if monitored > best - tol:",
           "    if monitored > best + tol:",
           (T_ORACLE, "-k", "adaptive"), "numpy"),
    Mutant("divergence_threshold", "_protocol.py",
           "    return not math.isfinite(loss) or loss > threshold",
           "    return not math.isfinite(loss)",
           ("tests/test_training_control.py", "-k", "divergence"), "default"),
    Mutant("evidence_stop_rule", "_lm.py",
           "                    and regulariser.stalled > config.n_iter_no_change):",
           "                    and regulariser.stalled > config.n_iter_no_change + 1):",
           (T_EVIDENCE, "-k", "stops_once_the_evidence"), "numpy"),
    Mutant("restarts_ignore_warm_start", "_fitting.py",
           "    if warm or (est.n_init == 1 and not ensemble):",
           "    if (est.n_init == 1 and not ensemble):",
           (T_EVIDENCE, "-k", "warm_start_continues_once"), "default"),
    Mutant("restarts_keep_the_worst", "_fitting.py",
           "    best = int(np.argmax(scores))",
           "    best = int(np.argmin(scores))",
           (T_EVIDENCE, "-k", "n_init_keeps_the_best"), "default"),
    # ------------------------------------------ small data (issue 28)
    Mutant("n_init_first_start_drawn", "_committee.py",
           "    return [random_state, *(int(s) for s in seeds)]",
           "    return [int(s) for s in source.randint(np.iinfo(np.int32).max, "
           "size=n_init)]",
           ("tests/test_committee.py", "-k", "starts_are or more_starts"), "default"),
    Mutant("committee_spread", "_committee.py",
           "        variance = variance + v + (m - mean) ** 2",
           "        variance = variance + v",
           ("tests/test_committee.py", "-k", "mixture"), "default"),
    Mutant("candidates_continue_each_other", "_committee.py",
           "        self._become(self.saved)\n        fit()",
           "        fit()",
           ("tests/test_committee.py", "-k", "candidates_start"), "default"),
    Mutant("candidates_keep_a_failed_fit", "_committee.py",
           "        if kind is not None:\n            self._become(self.saved)",
           "        if kind is None:\n            self._become(self.saved)",
           ("tests/test_committee.py", "-k", "candidates_restore"), "default"),
    Mutant("size_search_cost_said_late", "_regressor.py",
           "            check_lm_size(self, None, X, y, candidates=candidates)",
           "            pass",
           ("tests/test_auto_size.py", "-k", "slow_search"), "default"),
    Mutant("size_search_candidates_warn_again", "_regressor.py",
           "warn_size=first and not searching,",
           "warn_size=first,",
           ("tests/test_auto_size.py", "-k", "slow_search"), "default"),
    Mutant("compiled_ard_group_gamma", "_compiled/evidence.py",
           "        gamma = sizes[g] - alphas[g] * gammas[g]",
           "        gamma = sizes[g] - gammas[g]",
           ("tests/test_training_lm.py", "-k", "ard"), "default"),
    Mutant("determined_units_every_unit", "_sizes.py",
           "    return int(np.sum(np.any(np.abs(out) > DETERMINED_Z * sd, axis=1)))",
           "    return n_hidden",
           ("tests/test_auto_size.py", "-k", "determined or counts"), "default"),
    Mutant("determined_units_user_scale", "_sizes.py",
           "        out = out / np.asarray(scaling[1], dtype=np.float64)",
           "        out = out",
           ("tests/test_auto_size.py", "-k", "determined or counts"), "default"),
    Mutant("symmetry_factor_sign_flips", "_sizes.py",
           "    return math.lgamma(h + 1) + h * math.log(2.0)",
           "    return math.lgamma(h + 1)",
           ("tests/test_auto_size.py", "-k", "symmetry"), "default"),
    Mutant("ard_group_gamma", "_evidence.py",
           "    gammas = sizes - alphas * _group_sums(groups, diagonal, n_groups)",
           "    gammas = sizes - _group_sums(groups, diagonal, n_groups)",
           ("tests/test_ard.py", "-k", "literal_formulas"), "default"),
    # ------------------------------------- no silent skips (environment)
    Mutant("compiled_engine_unavailable", "_compiled/core.py",
           "    from numba import njit\n",
           "    from numba import no_such_njit as njit\n",
           ("tests/test_environment.py",), "default"),
    Mutant("onnx_module_broken", "onnx.py",
           "        OnnxSigmoid,\n    )",
           "        OnnxSigmoidBroken,\n    )",
           ("tests/test_docs.py::test_api_reference_lists_only_existing_names",),
           "default"),
    # ------------------------------------------------------ the ONNX graph
    Mutant("onnx_hidden_sigmoid", "onnx.py",
           "        if layer != last:\n            a = OnnxSigmoid(a, op_version=opv)",
           "        if layer != last and layer > 0:\n"
           "            a = OnnxSigmoid(a, op_version=opv)",
           ("tests/test_onnx.py",), "default"),
    Mutant("onnx_intercept", "onnx.py",
           "        a = OnnxAdd(a, b.astype(dtype).reshape(1, -1), op_version=opv)",
           "        a = OnnxAdd(a, 0 * b.astype(dtype).reshape(1, -1), op_version=opv)",
           ("tests/test_onnx.py",), "default"),
]
