{#-
    The landing contract as the macros use it, read from the graph: the columns and meta
    of the landing models, declared once in models/landing/_landing__models.yml (whose
    header says what each meta key means). While dbt parses, the graph is empty: the
    contract is then empty too, and a model that needs another one (a reference) names
    it in a `-- depends_on:` line.
-#}
{% macro landing_entities() -%}
    {#- The landing entities, in the order of the contract file. -#}
    {%- set entities = [] -%}
    {%- for node in (graph.nodes.values() if execute else []) -%}
        {%- if node.resource_type == "model" and node.package_name == project_name
            and node.name.startswith("landing__") -%}
            {%- do entities.append(node.name[9:]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(entities) }}
{%- endmacro %}


{% macro landing_contract(entity) -%}
    {#- See macros/_staging__macros.yml for the shape; `stored`: the columns landing keeps
        (all but pii: drop), `codes`: the stored text columns that are codes or ids (not
        free text, not personal), which must not hold control characters or formulas. -#}
    {%- set node = graph.nodes.get("model." ~ project_name ~ ".landing__" ~ entity, {}) if execute else {} -%}
    {%- set contract = {
        "columns": [], "types": {}, "key": [], "required": [], "enums": {}, "pii_drop": [],
        "pii_hash": [], "free_text": [], "references": [], "stored": [], "codes": [],
        "version_order": node.get("meta", {}).get("version_order"),
        "keep": node.get("meta", {}).get("keep", "newest"),
    } -%}
    {%- if contract.keep not in ("newest", "first") -%}
        {%- do exceptions.raise_compiler_error(
            "landing__" ~ entity ~ ": meta keep is '" ~ contract.keep ~ "'; it must be newest or first "
            ~ "(models/landing/_landing__models.yml)") -%}
    {%- endif -%}
    {%- if execute and not node -%}
        {%- do exceptions.raise_compiler_error(
            "landing entity " ~ entity ~ " has no model landing__" ~ entity
            ~ " in models/landing/_landing__models.yml (the landing contract)") -%}
    {%- endif -%}
    {%- for name, column in node.get("columns", {}).items() if not name.startswith("_") -%}
        {%- set meta = column.meta -%}
        {%- do contract.columns.append(name) -%}
        {%- do contract.types.update({name: column.data_type}) -%}
        {%- do contract.key.append(name) if meta.get("key") -%}
        {%- do contract.required.append(name) if meta.get("required") -%}
        {%- do contract.enums.update({name: meta.enum}) if meta.get("enum") -%}
        {%- do contract["pii_" ~ meta.pii].append(name) if meta.get("pii") -%}
        {%- do contract.free_text.append(name) if meta.get("free_text") -%}
        {%- do contract.references.append(dict(meta.references, of=name)) if meta.get("references") -%}
        {%- do contract.stored.append(name) if meta.get("pii") != "drop" -%}
        {%- do contract.codes.append(name) if column.data_type == "varchar" and not meta.get("pii")
            and not meta.get("free_text") -%}
    {%- endfor -%}
    {{ return(contract) }}
{%- endmacro %}


{% macro landing_parent(reference) -%}
    {#- The relation a contract reference points at: an entity's staged rows (its base
        model, with `_status`), or a reference seed. -#}
    {%- if reference.get("entity") -%}
        {{ return(ref("base_landing__" ~ reference.entity)) }}
    {%- endif -%}
    {{ return(reference_table(reference.seed)) }}
{%- endmacro %}
