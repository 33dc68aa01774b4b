{#-
    What differs between DuckDB and Spark SQL in the downstream layers (issue 17), one
    macro per difference, dispatched: tsqa.<name> -> duckdb__<name> | spark__<name>.
    Everything else in the models is SQL both engines read the same way (documented in
    _cross_engine__macros.yml; the README's "Spark: what differs" lists them).
    The DuckDB versions are the SQL the models held before: DuckDB builds are unchanged.
-#}

{# ---- numbers ------------------------------------------------------------------------- #}

{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'tsqa')(numerator, denominator)) }}
{%- endmacro %}
{% macro duckdb__int_div(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}
{% macro spark__int_div(numerator, denominator) -%}
    (({{ numerator }}) div ({{ denominator }}))
{%- endmacro %}


{% macro lgamma(x) -%}
    {{ return(adapter.dispatch('lgamma', 'tsqa')(x)) }}
{%- endmacro %}
{% macro duckdb__lgamma(x) -%}
    lgamma({{ x }})
{%- endmacro %}
{% macro spark__lgamma(x) -%}
    {#- Spark SQL has no lgamma: ln Gamma(x) for x > 0 by the Lanczos approximation
        (g = 7, 9 coefficients; error below 2e-15 absolute, or relative where |lgamma| > 1,
        against Python math.lgamma from 0.1 to 1e6). For
        x < 0.5 the reflection ln(pi / |sin(pi x)|) - ln Gamma(1 - x). At the integers 1 to
        21, where Gamma(n) = (n - 1)! (factorial's range), ln of the exact factorial: 0 at
        1 and 2 as DuckDB's lgamma (glibc), and glibc's own formula up to 7 (ln of the
        product), so a chi-square p-value of even df (exp(-x/2 - lgamma(k + 1)) terms) is
        the same double on both engines; the approximation gave ln Gamma(1) = 1e-16, a
        last-bit difference. -#}
    (case when ({{ x }}) = floor({{ x }}) and ({{ x }}) between 1 and 21 then
        ln(cast(factorial(cast(({{ x }}) - 1 as int)) as double))
    when ({{ x }}) < 0.5D then
        ln(pi() / abs(sin(pi() * ({{ x }})))) - {{ tsqa.spark__lanczos_lgamma('(1.0D - (' ~ x ~ '))') }}
    else {{ tsqa.spark__lanczos_lgamma(x) }} end)
{%- endmacro %}
{% macro spark__lanczos_lgamma(x) -%}
    {%- set z = '(cast(' ~ x ~ ' as double) - 1.0D)' -%}
    (0.5D * ln(2.0D * pi()) + ({{ z }} + 0.5D) * ln({{ z }} + 7.5D) - ({{ z }} + 7.5D) + ln(
        0.99999999999980993D
        + 676.5203681218851D / ({{ z }} + 1.0D)
        - 1259.1392167224028D / ({{ z }} + 2.0D)
        + 771.32342877765313D / ({{ z }} + 3.0D)
        - 176.61502916214059D / ({{ z }} + 4.0D)
        + 12.507343278686905D / ({{ z }} + 5.0D)
        - 0.13857109526572012D / ({{ z }} + 6.0D)
        + 9.9843695780195716e-6D / ({{ z }} + 7.0D)
        + 1.5056327351493116e-7D / ({{ z }} + 8.0D)
    ))
{%- endmacro %}


{# ---- lists (the iterative parts of the statistics macros) ------------------------------ #}

{% macro int_range(start, stop, step=1) -%}
    {{ return(adapter.dispatch('int_range', 'tsqa')(start, stop, step)) }}
{%- endmacro %}
{% macro duckdb__int_range(start, stop, step) -%}
    range({{ start }}, {{ stop }}, {{ step }})
{%- endmacro %}
{% macro spark__int_range(start, stop, step) -%}
    {#- DuckDB's range is half-open and empty when it cannot step towards stop;
        Spark's sequence includes stop and steps either way -#}
    (case when sign({{ step }}) * ((({{ stop }}) - ({{ start }}))) > 0 then
        sequence(cast({{ start }} as bigint), cast(({{ stop }}) - sign({{ step }}) as bigint), cast({{ step }} as bigint))
    else cast(array() as array<bigint>) end)
{%- endmacro %}


{% macro list_transform(list, var, body) -%}
    {{ return(adapter.dispatch('list_transform', 'tsqa')(list, var, body)) }}
{%- endmacro %}
{% macro duckdb__list_transform(list, var, body) -%}
    list_transform({{ list }}, lambda {{ var }}: {{ body }})
{%- endmacro %}
{% macro spark__list_transform(list, var, body) -%}
    transform({{ list }}, {{ var }} -> cast({{ body }} as double))
{%- endmacro %}


{% macro list_reduce(list, acc, var, body, initial) -%}
    {{ return(adapter.dispatch('list_reduce', 'tsqa')(list, acc, var, body, initial)) }}
{%- endmacro %}
{% macro duckdb__list_reduce(list, acc, var, body, initial) -%}
    list_reduce({{ list }}, lambda {{ acc }}, {{ var }}: {{ body }}, {{ initial }})
{%- endmacro %}
{% macro spark__list_reduce(list, acc, var, body, initial) -%}
    aggregate({{ list }}, cast({{ initial }} as double), ({{ acc }}, {{ var }}) -> cast({{ body }} as double))
{%- endmacro %}


{% macro list_sum(list) -%}
    {{ return(adapter.dispatch('list_sum', 'tsqa')(list)) }}
{%- endmacro %}
{% macro duckdb__list_sum(list) -%}
    list_sum({{ list }})
{%- endmacro %}
{% macro spark__list_sum(list) -%}
    {#- null for an empty list, as list_sum -#}
    aggregate({{ list }}, cast(null as double), (tsqa_sum, tsqa_x) -> coalesce(tsqa_sum, 0.0D) + tsqa_x)
{%- endmacro %}


{% macro window_product(expression, window) -%}
    {#- the product of expression over a window (a running product) -#}
    {{ return(adapter.dispatch('window_product', 'tsqa')(expression, window)) }}
{%- endmacro %}
{% macro duckdb__window_product(expression, window) -%}
    product({{ expression }}) over (
                {{ window }}
            )
{%- endmacro %}
{% macro spark__window_product(expression, window) -%}
    {#- Spark SQL has no product aggregate: the window's values, multiplied in order -#}
    aggregate(
        collect_list(cast({{ expression }} as double)) over ({{ window }}),
        cast(1.0 as double),
        (tsqa_product, tsqa_factor) -> tsqa_product * tsqa_factor
    )
{%- endmacro %}


{% macro arg_min(value, order_by) -%}
    {#- the value of the row with the smallest order_by tuple (a list of expressions) -#}
    {{ return(adapter.dispatch('arg_min', 'tsqa')(value, order_by)) }}
{%- endmacro %}
{% macro duckdb__arg_min(value, order_by) -%}
    arg_min({{ value }}, ({{ order_by | join(', ') }}))
{%- endmacro %}
{% macro spark__arg_min(value, order_by) -%}
    min_by({{ value }}, struct({{ order_by | join(', ') }}))
{%- endmacro %}


{% macro star_exclude(columns) -%}
    {#- every column of the relation selected from but `columns` -#}
    {{ return(adapter.dispatch('star_exclude', 'tsqa')(columns)) }}
{%- endmacro %}
{% macro duckdb__star_exclude(columns) -%}
    * exclude ({{ columns | join(', ') }})
{%- endmacro %}
{% macro spark__star_exclude(columns) -%}
    * except ({{ columns | join(', ') }})
{%- endmacro %}


{# ---- text -------------------------------------------------------------------------- #}

{% macro regexp_matches(value, pattern) -%}
    {#- pattern: a regular expression as it is written (no SQL escaping of backslashes) -#}
    {{ return(adapter.dispatch('regexp_matches', 'tsqa')(value, pattern)) }}
{%- endmacro %}
{% macro duckdb__regexp_matches(value, pattern) -%}
    regexp_matches({{ value }}, '{{ pattern }}')
{%- endmacro %}
{% macro spark__regexp_matches(value, pattern) -%}
    ({{ value }} rlike r'{{ pattern }}')
{%- endmacro %}


{% macro split_to_rows(text, separator) -%}
    {#- one row per part of text split at separator (a plain string), in a select list -#}
    {{ return(adapter.dispatch('split_to_rows', 'tsqa')(text, separator)) }}
{%- endmacro %}
{% macro duckdb__split_to_rows(text, separator) -%}
    unnest(string_split({{ text }}, '{{ separator }}'))
{%- endmacro %}
{% macro spark__split_to_rows(text, separator) -%}
    explode(split({{ text }}, '{{ modules.re.escape(separator) }}'))
{%- endmacro %}


{% macro timestamp_text(ts) -%}
    {#- a timestamp as ISO text with microseconds, 2026-09-01T08:00:00.000000 -#}
    {{ return(adapter.dispatch('timestamp_text', 'tsqa')(ts)) }}
{%- endmacro %}
{% macro duckdb__timestamp_text(ts) -%}
    strftime({{ ts }}, '%Y-%m-%dT%H:%M:%S.%f')
{%- endmacro %}
{% macro spark__timestamp_text(ts) -%}
    date_format({{ ts }}, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS")
{%- endmacro %}


{# ---- dates and times ---------------------------------------------------------------- #}

{% macro date_diff(part, start, end) -%}
    {#- DuckDB's date_diff: the number of `part` boundaries (second | microsecond) between
        start and end -#}
    {{ return(adapter.dispatch('date_diff', 'tsqa')(part, start, end)) }}
{%- endmacro %}
{% macro duckdb__date_diff(part, start, end) -%}
    date_diff('{{ part }}', {{ start }}, {{ end }})
{%- endmacro %}
{% macro spark__date_diff(part, start, end) -%}
    {%- if part == 'microsecond' -%}
    (unix_micros({{ end }}) - unix_micros({{ start }}))
    {%- elif part == 'second' -%}
    (floor(unix_micros({{ end }}) / 1000000) - floor(unix_micros({{ start }}) / 1000000))
    {%- else -%}
    {{ exceptions.raise_compiler_error("tsqa.date_diff: part must be second or microsecond, not " ~ part) }}
    {%- endif -%}
{%- endmacro %}


{% macro add_microseconds(ts, microseconds) -%}
    {#- ts plus a whole number of microseconds -#}
    {{ return(adapter.dispatch('add_microseconds', 'tsqa')(ts, microseconds)) }}
{%- endmacro %}
{% macro duckdb__add_microseconds(ts, microseconds) -%}
    {{ ts }}
        + to_microseconds({{ microseconds }})
{%- endmacro %}
{% macro spark__add_microseconds(ts, microseconds) -%}
    timestamp_micros(unix_micros({{ ts }}) + ({{ microseconds }}))
{%- endmacro %}


{% macro iso_day_of_week(day) -%}
    {#- 1 = Monday ... 7 = Sunday -#}
    {{ return(adapter.dispatch('iso_day_of_week', 'tsqa')(day)) }}
{%- endmacro %}
{% macro duckdb__iso_day_of_week(day) -%}
    isodow({{ day }})
{%- endmacro %}
{% macro spark__iso_day_of_week(day) -%}
    (weekday({{ day }}) + 1)
{%- endmacro %}


{% macro date_series(start, stop, step) -%}
    {#- one row per date from start to stop (both included) every `step` (an interval
        literal such as '1 day' or '1 month'), in a select list -#}
    {{ return(adapter.dispatch('date_series', 'tsqa')(start, stop, step)) }}
{%- endmacro %}
{% macro duckdb__date_series(start, stop, step) -%}
    cast(unnest(generate_series({{ start }}, {{ stop }}, interval {{ step }})) as date)
{%- endmacro %}
{% macro spark__date_series(start, stop, step) -%}
    explode(sequence(cast({{ start }} as date), cast({{ stop }} as date), interval {{ step }}))
{%- endmacro %}


{% macro utc_timestamp(text) -%}
    {#- a timestamp literal with or without a UTC offset, as UTC wall-clock time -#}
    {{ return(adapter.dispatch('utc_timestamp', 'tsqa')(text)) }}
{%- endmacro %}
{% macro duckdb__utc_timestamp(text) -%}
    timezone('UTC', cast('{{ text }}' as timestamptz))
{%- endmacro %}
{% macro spark__utc_timestamp(text) -%}
    {#- the session time zone is UTC (profiles.yml) -#}
    cast('{{ text }}' as timestamp)
{%- endmacro %}


{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'tsqa')()) }}
{%- endmacro %}
{% macro duckdb__utc_now() -%}
    timezone('UTC', get_current_timestamp())
{%- endmacro %}
{% macro spark__utc_now() -%}
    current_timestamp()
{%- endmacro %}


{# ---- Spark: decimal literals -------------------------------------------------------- #}

{% macro spark_double_literals(sql) -%}
    {#- A literal such as 1.0 is DECIMAL on both engines, but DuckDB divides decimals in
        DOUBLE while Spark keeps DECIMAL and cuts the scale to 6 digits (1.0 / 3 =
        0.333333). On Spark every such literal outside strings, quoted names and
        comments is written as a DOUBLE literal (1.0D), so arithmetic is in DOUBLE as
        on DuckDB. -#}
    {%- set parts = modules.re.split("('(?:[^'\\\\]|\\\\.)*'|\"[^\"]*\"|`[^`]*`|--[^\\n]*)", sql) -%}
    {%- set out = [] -%}
    {%- for part in parts -%}
        {%- if loop.index0 % 2 == 1 -%}
            {%- do out.append(part) -%}
        {%- else -%}
            {%- do out.append(modules.re.sub("(?<![\\w.])(\\d+\\.\\d+)(?![\\w.])", "\\1D", part)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out | join('')) }}
{%- endmacro %}


{% macro spark__create_table_as(temporary, relation, compiled_code, language='sql') -%}
    {#- dbt-spark's, with decimal literals as DOUBLE (spark_double_literals) -#}
    {%- if language == 'sql' -%}
        {%- set compiled_code = tsqa.spark_double_literals(compiled_code) -%}
    {%- endif -%}
    {{ return(dbt.spark__create_table_as(temporary, relation, compiled_code, language)) }}
{%- endmacro %}


{% macro spark__create_view_as(relation, sql) -%}
    {#- dbt-spark's, with decimal literals as DOUBLE (spark_double_literals) -#}
    {{ return(dbt.spark__create_view_as(relation, tsqa.spark_double_literals(sql))) }}
{%- endmacro %}


{% macro spark__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) -%}
    {#- dbt's data/singular test query, with decimal literals as DOUBLE (spark_double_literals):
        a test's reference arithmetic follows the same literal rule as the models it checks -#}
    {{ return(dbt.default__get_test_sql(tsqa.spark_double_literals(main_sql), fail_calc, warn_if, error_if, limit)) }}
{%- endmacro %}


{% macro spark__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) -%}
    {#- dbt's unit test query (the model on its fixtures, and the expected rows), with decimal
        literals as DOUBLE (spark_double_literals), as the model is built -#}
    {{ return(dbt.default__get_unit_test_sql(tsqa.spark_double_literals(main_sql),
                                             tsqa.spark_double_literals(expected_fixture_sql),
                                             expected_column_names)) }}
{%- endmacro %}
