{#-
    normal_cdf(x): the standard normal cumulative distribution function Phi(x).

    DuckDB has no erf, so this is Hart's double-precision rational approximation
    (Hart et al. 1968, algorithm 5666), as given by G. West, "Better approximations to
    cumulative normal functions" (Wilmott Magazine, 2005): a rational function for
    |x| < 7.07 and a continued fraction in the tails. Absolute error below 1e-14 over the
    real line, far inside the 1e-7 this project needs (tests compare with scipy). The
    tail is computed directly, so 1 - Phi(|z|) keeps its precision for large |z|:
    write two-sided p-values as 2 * normal_cdf(-abs(z)).
    Null in, null out.
-#}
{% macro normal_cdf(x) -%}
    (case
        when ({{ x }}) is null then null
        when abs({{ x }}) > 37 then (case when ({{ x }}) > 0 then 1.0 else 0.0 end)
        else (
            case when ({{ x }}) > 0 then 1.0 else 0.0 end
            + (case when ({{ x }}) > 0 then -1.0 else 1.0 end)
            * {{ tsqa_normal_tail('abs(' ~ x ~ ')') }}
        )
    end)
{%- endmacro %}


{% macro tsqa_normal_tail(a) -%}
    {#- Upper tail 1 - Phi(a) for a >= 0 (Hart 5666 / West 2005). -#}
    (case
        when {{ a }} < 7.07106781186547 then
            exp(-({{ a }}) * ({{ a }}) / 2.0)
            * ((((((0.0352624965998911 * {{ a }} + 0.700383064443688) * {{ a }}
                + 6.37396220353165) * {{ a }} + 33.912866078383) * {{ a }}
                + 112.079291497871) * {{ a }} + 221.213596169931) * {{ a }}
                + 220.206867912376)
            / (((((((0.0883883476483184 * {{ a }} + 1.75566716318264) * {{ a }}
                + 16.064177579207) * {{ a }} + 86.7807322029461) * {{ a }}
                + 296.564248779674) * {{ a }} + 637.333633378831) * {{ a }}
                + 793.826512519948) * {{ a }} + 440.413735824752)
        else
            exp(-({{ a }}) * ({{ a }}) / 2.0)
            / ({{ a }} + 1.0 / ({{ a }} + 2.0 / ({{ a }} + 3.0 / ({{ a }} + 4.0 / ({{ a }} + 0.65)))))
            / 2.506628274631
    end)
{%- endmacro %}
