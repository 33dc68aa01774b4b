{#-
    The build marker: what `tsqa publish` checks before it publishes a working file
    (tsqa/publish.py). It is written by dbt itself, so it belongs to the build that made
    the file, never to a file it was copied from:

    - on-run-start of every dbt invocation on the file sets it to "not passed" (a copy
      of the published file, or a partial or failed build, is never publishable);
    - on-run-end of a whole `dbt build` (no --select/--exclude) sets it to "passed" when
      every model, seed, snapshot and test succeeded (warnings allowed);
    - the gate's validation then records its run on the marker (publish.audit).

    The gate's own dbt steps after validation (the reporting marts' validation status,
    dbt docs; TSQA_GATE_STEP = after_validation) leave it alone.
-#}
{% macro tsqa_marker_table() -%}
    landing.tsqa_build_marker
{%- endmacro %}


{% macro tsqa_whole_build() -%}
    {%- set args = invocation_args_dict -%}
    {#- whole: every node, every resource type, on the full data (a build that leaves out
        its tests, `--exclude-resource-type test` or DBT_EXCLUDE_RESOURCE_TYPES, or runs
        on `--empty` / `--sample` data, is no evidence the warehouse passed) -#}
    {{ return(flags.WHICH == 'build' and not args.get('select') and not args.get('exclude')
              and not args.get('selector') and not args.get('resource_types')
              and not args.get('exclude_resource_types') and not args.get('empty')
              and not args.get('sample')) }}
{%- endmacro %}


{% macro tsqa_mark_build_started() -%}
    {%- if env_var('TSQA_GATE_STEP', '') != 'after_validation' -%}
    create schema if not exists landing;
    create or replace table {{ tsqa_marker_table() }} as
    select
        '{{ invocation_id }}' as invocation_id,
        {{ tsqa_run_started_at() }} as built_at,
        false as build_passed,
        null::varchar as failed_nodes,
        '{{ flags.WHICH }}' as command,
        null::varchar as validation_run_id,
        null::boolean as validation_passed
    {%- endif -%}
{%- endmacro %}


{% macro tsqa_mark_build_finished(results) -%}
    {%- if execute and tsqa_whole_build() -%}
    {%- set failed = [] -%}
    {%- for result in results if (result.status | string | lower) not in ('success', 'pass', 'warn', 'no-op') -%}
        {%- do failed.append(result.node.unique_id ~ ' (' ~ (result.status | string | lower) ~ ')') -%}
    {%- endfor -%}
    update {{ tsqa_marker_table() }}
    set
        build_passed = {{ "false" if failed else "true" }},
        failed_nodes = {{ tsqa_literal(failed[:20] | join(", ")) if failed else "null" }}
    where invocation_id = '{{ invocation_id }}'
    {%- endif -%}
{%- endmacro %}
