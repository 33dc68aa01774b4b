{#-
    reference_table(name): a reference seed, read as the source raw.<name> (seeds land
    in schema raw and are read through source() like other landing data), with the seed
    registered as a DAG parent too: source() alone gives dbt no edge to the seed, so a
    `dbt build` could run a model before the seed it reads has loaded.
-#}
{% macro reference_table(name) -%}
    {%- set seed_relation = ref(name) -%}
    {{- return(source('raw', name)) -}}
{%- endmacro %}
