{#-
    Schemas are a public interface (marts.md: "schema marts, no target prefix"), so a
    custom schema is used exactly as written; models without one go to the target's.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
