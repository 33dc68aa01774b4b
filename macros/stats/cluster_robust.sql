{#-
    Moderator cluster-robust standard error of a difference of two proportions
    (metrics.md, "Experiments"). Outcomes are 0/1 (an audit correct or not); every
    cluster (a moderator) belongs to one of the two groups.

    cluster_squared_residual(successes, trials, group_rate)
        One cluster's squared residual total (c_j - p_v n_j)^2, with c_j successes of
        n_j trials and p_v the rate of the cluster's group. Sum it over a group's
        clusters to get S_v.

    cluster_robust_diff_se(clusters, sq_residuals_1, n_1, sq_residuals_2, n_2)
        With G = clusters with trials in the two groups, N = n_1 + n_2 trials and
        S_v = sum over group v's clusters of cluster_squared_residual:
          se^2 = G/(G-1) * (N-1)/(N-2) * (S_1/n_1^2 + S_2/n_2^2)
        which is exactly the cluster-robust (CR1, small-sample corrected) variance of
        the slope of an OLS regression of the outcome on a group indicator (statsmodels
        OLS(...).fit(cov_type="cluster", cov_kwds={"groups": cluster})): the slope is
        p_2 - p_1, and an observation of group v has influence residual / n_v.
        Null when G < 3 (metrics.md: too few clusters to estimate a variance; G = 1
        would divide by zero) or a group has no trials.
        By hand: group 1 clusters (1 of 2), (1 of 2): p_1 = 1/2, residuals 0, 0;
        group 2 clusters (2 of 2), (0 of 2): p_2 = 1/2, residuals 1, 1 squared -> S_2 = 2;
        G = 4, N = 8: se^2 = 4/3 * 7/6 * (0/16 + 2/16) = 7/36, se = sqrt(7)/6.
-#}
{% macro cluster_squared_residual(successes, trials, group_rate) -%}
    pow(({{ successes }}) - ({{ group_rate }}) * ({{ trials }}), 2)
{%- endmacro %}

{% macro cluster_robust_diff_se(clusters, sq_residuals_1, n_1, sq_residuals_2, n_2) -%}
    (case when ({{ clusters }}) >= 3 and ({{ n_1 }}) > 0 and ({{ n_2 }}) > 0 then
        sqrt(
            ({{ clusters }}) * 1.0 / (({{ clusters }}) - 1)
            * (({{ n_1 }}) + ({{ n_2 }}) - 1.0) / (({{ n_1 }}) + ({{ n_2 }}) - 2.0)
            * (({{ sq_residuals_1 }}) / (({{ n_1 }}) * 1.0 * ({{ n_1 }}))
                + ({{ sq_residuals_2 }}) / (({{ n_2 }}) * 1.0 * ({{ n_2 }})))
        )
    end)
{%- endmacro %}
