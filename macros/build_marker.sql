{#-
    The build marker: what `tsqa publish` checks before it publishes a working file
    (tsqa/publish.py). It is written by dbt itself, so it belongs to the build that made
    the file, never to a file it was copied from:

    - on-run-start of every dbt invocation on the file sets it to "not passed" (a copy
      of the published file, or a partial or failed build, is never publishable), with
      the SHA-256 of the invocation's run nonce (`build_nonce_sha256`; null without one);
    - on-run-end of a whole `dbt build` (no --select/--exclude; the unit tests alone may
      be left out, see tsqa_whole_build) sets it to "passed" when every model, seed,
      snapshot and test succeeded (warnings allowed), and records whether the unit tests
      ran;
    - the gate's validation then records its run on the marker (publish.audit).

    The run nonce is a random value `tsqa build` makes for each gated build and hands to
    its own dbt commands only (the dbt plugin sets it as the DuckDB session variable
    `tsqa_build_nonce`, so it is in no SQL text or log; only its SHA-256 is stored). An
    invocation that carries the nonce the marker was written with (the gate's own steps
    after validation: the reporting marts' validation status, dbt docs) leaves the marker
    alone; any other that runs the project's hooks (a plain `dbt build`, `run`, `test`,
    `seed` or `snapshot`, whatever its environment) resets it, and `tsqa publish`
    publishes only a file whose marker carries the nonce of the last gated build in its
    folder. Commands that run no on-run-start hook (`dbt compile`, `show`,
    `run-operation`) leave the marker as it is: it guards against a stale, partial or
    unvalidated build, not against someone who can write the working file (they could
    edit the marker too).
-#}
{% macro tsqa_marker_table() -%}
    landing.tsqa_build_marker
{%- endmacro %}


{% macro tsqa_excluded_resource_types() -%}
    {#- the resource types the invocation leaves out (--exclude-resource-type,
        DBT_EXCLUDE_RESOURCE_TYPES), lower case -#}
    {{ return((invocation_args_dict.get('exclude_resource_types') or []) | map('string') | map('lower') | list) }}
{%- endmacro %}


{% macro tsqa_whole_build() -%}
    {%- set args = invocation_args_dict -%}
    {#- whole: every node, every resource type, on the full data (a build that leaves out
        its tests, `--exclude-resource-type test` or DBT_EXCLUDE_RESOURCE_TYPES, or runs
        on `--empty` / `--sample` data, is no evidence the warehouse passed). The unit
        tests alone may be left out: they read no warehouse data, so they prove the
        project's code, not this build's data; the marker then says they did not run
        (`unit_tests_ran`), and `tsqa publish` accepts that only for a gated incremental
        build whose build state shows the same code and toolchain passed them
        (tsqa/publish.py, check_publishable). -#}
    {{ return(flags.WHICH == 'build' and not args.get('select') and not args.get('exclude')
              and not args.get('selector') and not args.get('resource_types')
              and (tsqa_excluded_resource_types() | reject('equalto', 'unit_test') | list | length) == 0
              and not args.get('empty') and not args.get('sample')) }}
{%- endmacro %}


{% macro tsqa_mark_build_started() -%}
    {{- adapter.dispatch('tsqa_mark_build_started', 'tsqa')() -}}
{%- endmacro %}


{% macro spark__tsqa_mark_build_started() -%}
    {#- Spark: no build marker; the publish gate (GX, extracts, report) is DuckDB's. On Spark dbt's data tests and the reconciliation are the gate. -#}
{%- endmacro %}


{% macro duckdb__tsqa_mark_build_started() -%}
    {#- the marker is kept only for an invocation with the nonce it was written with (a
        marker of an older version, without the column, is reset) -#}
    create schema if not exists landing;
    create table if not exists {{ tsqa_marker_table() }} (
        invocation_id varchar,
        built_at timestamp,
        build_passed boolean,
        failed_nodes varchar,
        command varchar,
        validation_run_id varchar,
        validation_passed boolean,
        build_nonce_sha256 varchar
    );
    alter table {{ tsqa_marker_table() }} add column if not exists build_nonce_sha256 varchar;
    alter table {{ tsqa_marker_table() }} add column if not exists unit_tests_ran boolean;
    create or replace table {{ tsqa_marker_table() }} as
    with kept as (
        select *
        from {{ tsqa_marker_table() }}
        where build_nonce_sha256 = sha256(getvariable('tsqa_build_nonce'))
    )
    select
        invocation_id,
        built_at,
        build_passed,
        failed_nodes,
        command,
        validation_run_id,
        validation_passed,
        build_nonce_sha256,
        unit_tests_ran
    from kept
    union all
    select
        '{{ invocation_id }}' as invocation_id,
        {{ tsqa_run_started_at() }} as built_at,
        false as build_passed,
        null::varchar as failed_nodes,
        '{{ flags.WHICH }}' as command,
        null::varchar as validation_run_id,
        null::boolean as validation_passed,
        sha256(getvariable('tsqa_build_nonce')) as build_nonce_sha256,
        null::boolean as unit_tests_ran
    where not exists (select 1 from kept)
{%- endmacro %}


{% macro tsqa_mark_build_finished(results) -%}
    {{- adapter.dispatch('tsqa_mark_build_finished', 'tsqa')(results) -}}
{%- endmacro %}


{% macro spark__tsqa_mark_build_finished(results) -%}
    {#- Spark: no build marker (see spark__tsqa_mark_build_started). -#}
{%- endmacro %}


{% macro duckdb__tsqa_mark_build_finished(results) -%}
    {%- if execute and tsqa_whole_build() -%}
    {%- set failed = [] -%}
    {%- for result in results if (result.status | string | lower) not in ('success', 'pass', 'warn', 'no-op') -%}
        {%- do failed.append(result.node.unique_id ~ ' (' ~ (result.status | string | lower) ~ ')') -%}
    {%- endfor -%}
    update {{ tsqa_marker_table() }}
    set
        build_passed = {{ "false" if failed else "true" }},
        failed_nodes = {{ tsqa_literal(failed[:20] | join(", ")) if failed else "null" }},
        unit_tests_ran = {{ "false" if "unit_test" in tsqa_excluded_resource_types() else "true" }}
    where invocation_id = '{{ invocation_id }}'
    {%- endif -%}
{%- endmacro %}
