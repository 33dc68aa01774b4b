{#-
    staging_rows(entity, row_checks, version_checks, conflict_checks): every landing row
    of an entity, typed, with the one place it ends in (`_status`) and, when set aside,
    why (`_reason`). raw_contract.md's rules, in its order:

      1. malformed lines (from landing)                     -> quarantined (their reason)
      2. exact duplicates (every raw column equal), first
         occurrence in load order kept                      -> exact_duplicate
      3. row checks on the rest: unparseable, bad_value, missing_required, bad_timestamp,
         bad_enum, out_of_range (from the contract), then
         the entity's `row_checks`                          -> quarantined (first failing)
      4. one version per key among valid rows: newest wins (later file, then later
         `version_order` column, then later line), or with `keep: first` the first in
         load order wins and a later, different version (or a row failing one of the
         entity's `conflict_checks`) is a conflict         -> superseded / duplicate_conflict
      5. reference checks on the chosen versions (the contract's `references`), then the
         entity's `version_checks`                          -> quarantined orphan_reference
                                                               or the check's reason
                                                            else current

    The types, required columns, enums, key, references and version order come from the
    landing contract (models/landing/_landing__models.yml, macro landing_contract); the
    entity's own checks are SQL written in its base model, each a `when <the row fails>
    then '<reason>'` line of a case expression:

      row_checks       on one typed row (its columns by name, or as `landed_row.<column>`)
      version_checks   on a chosen version (`versions.<column>`), e.g. against a parent
      row_joins,       left joins that bring what a row or version check compares with
      version_joins    (one row per value: no row may be repeated by them); a check reads
                       the joined columns by name. No correlated subquery in a check: Spark
                       cannot plan one inside a CASE
      conflict_checks  with `keep: first`: more "one per" rules (a row_number() over a
                       partition > 1 is a later row of that partition)

    Incremental builds re-decide only the rows a new file can change (see the
    `incremental` branch and macros/incremental.sql); `_staged_at` says which run last
    decided a row. Entities with `keep: first` are tables, rebuilt whole: their "one per"
    rules cross keys, and they are small.

    Typed columns keep the contract's names; quarantine reads the row as it arrived
    (text) from landing, by file and line.
-#}
{% macro staging_rows(entity, row_checks="", version_checks="", conflict_checks="", row_joins="", version_joins="") -%}
    {%- set contract = landing_contract(entity) -%}
    {%- set columns = contract.stored -%}
    {%- set types = contract.types -%}
    {%- set key = contract.key -%}
    {%- set version_column = contract.version_order -%}

    {%- set incremental = is_incremental() -%}
    {%- set landing = ref('landing__' ~ entity) -%}

with

{% if incremental -%}
-- Incremental (macros/incremental.sql): the rows of files not staged before, and every
-- earlier row a new row can change. Staging decides per key (versions) and per
-- fingerprint (exact duplicates), so all rows of a touched key come back, and the rows
-- of a fingerprint a new row repeats.
new_landed as (
    select * from {{ landing }}
    where _source_file not in (select distinct _source_file from {{ this }})
),

touched_keys as (
    select {% for k in key %}{{ tsqa_typed(k, types[k]) }} as {{ k }}{{ ", " if not loop.last }}{% endfor %}
    from new_landed
    where _malformed_reason is null
    union
    -- set aside for a reason a later build may undo: a parent arrives, the as-of time moves
    select {{ key | join(", ") }} from {{ this }}
    where _reason in ('orphan_reference', 'out_of_range')
    {%- for r in contract.references if r.entity %}
    union
    -- rows whose parent (base_landing__{{ r.entity }}) was re-staged since this model last ran
    select {{ key | join(", ") }} from {{ this }}
    where {{ r.of }} in (
        select parent.{{ r.column }} from {{ landing_parent(r) }} as parent
        where parent._staged_at > {{ tsqa_watermark() }}
    )
    {%- endfor %}
),

affected as (
    select prior._source_file, prior._line
    from {{ this }} as prior
    where
        exists (
            select 1 from touched_keys
            where {% for k in key %}touched_keys.{{ k }} = prior.{{ k }}{{ " and " if not loop.last }}{% endfor %}
        )
        or prior._row_fingerprint in (
            select new_landed._row_fingerprint from new_landed where new_landed._malformed_reason is null
        )
),

landed as (
    select * from new_landed
    union all
    select earlier.*
    from {{ landing }} as earlier
    {{ tsqa_semi_join() }} affected
        on earlier._source_file = affected._source_file and earlier._line = affected._line
),
{%- else -%}
landed as {{ tsqa_not_materialized() }} (
    select * from {{ landing }}
),
{%- endif %}

typed as (
    select
        {% for c in columns -%}
        {{ tsqa_typed(c, types[c]) }} as {{ c }},
        {% endfor -%}
        _source_file,
        _file_format,
        _line,
        _row_fingerprint,
        _malformed_reason,
        _raw_line,
        case
            when _malformed_reason is not null then null
            {%- for c in columns if types[c] in ("integer", "double", "boolean", "date") %}
            when {{ c }} is not null and {{ tsqa_typed(c, types[c]) }} is null then 'unparseable'
            {%- endfor %}
            {%- for c in contract.codes %}
            when {{ tsqa_bad_code(c) }} then 'bad_value'
            {%- endfor %}
            {%- for c in contract.required %}
            when {{ tsqa_typed(c, "varchar") }} is null then 'missing_required'
            {%- endfor %}
            {%- for c in columns if types[c] == "timestamp" %}
            when {{ c }} is not null and {{ tsqa_typed(c, "timestamp") }} is null then 'bad_timestamp'
            {%- endfor %}
            {%- for c, allowed in contract.enums.items() %}
            when {{ tsqa_typed(c, "varchar") }} not in ({% for v in allowed %}'{{ v }}'{{ ", " if not loop.last }}{% endfor %}) then 'bad_enum'
            {%- endfor %}
            {%- for c in columns if types[c] == "timestamp" %}
            when {{ tsqa_typed(c, "timestamp") }} > {{ tsqa_latest_plausible() }} then 'out_of_range'
            when {{ tsqa_typed(c, "timestamp") }} < {{ tsqa_earliest_plausible() }} then 'out_of_range'
            {%- endfor %}
            {%- for c in columns if types[c] == "date" %}
            when {{ tsqa_typed(c, "date") }} < {{ tsqa_earliest_plausible() }} then 'out_of_range'
            {%- endfor %}
        end as _row_check
    from landed
),

-- exact duplicates: only fingerprints seen more than once need ranking (an aggregate,
-- not a sort of every row); the first occurrence in load order is kept
repeated_fingerprints as (
    select
        _row_fingerprint,
        min({{ tsqa_load_position('_source_file', '_line') }}) as first_occurrence
    from typed
    where _malformed_reason is null
    group by _row_fingerprint
    having count(*) > 1
),

deduplicated as (
    select
        typed.*,
        coalesce(
            {{ tsqa_load_position('typed._source_file', 'typed._line') }} <> repeated.first_occurrence, false
        ) as _is_exact_duplicate
    from typed
    left join repeated_fingerprints as repeated
        on typed._row_fingerprint = repeated._row_fingerprint and typed._malformed_reason is null
),

checked as (
    select
        landed_row.*,
        case
            when _malformed_reason is not null then _malformed_reason
            when _is_exact_duplicate then null
            when _row_check is not null then _row_check
            -- the entity's own row checks (its base model)
            {{ row_checks }}
        end as _row_reason
    from deduplicated as landed_row
    {{ row_joins }}
),

valid as (
    select * from checked where not _is_exact_duplicate and _row_reason is null
),

{% if contract.keep == "newest" -%}
-- one version per key: only keys with more than one valid version need ranking
versioned_keys as (
    select {{ key | join(", ") }}
    from valid
    group by all
    having count(*) > 1
),

versions as (
    select
        valid.*,
        true as _is_chosen,
        cast(null as {{ tsqa_text() }}) as _conflict_reason
    from valid
    {{ tsqa_anti_join() }} versioned_keys
        on {% for k in key %}valid.{{ k }} = versioned_keys.{{ k }}{{ " and " if not loop.last }}{% endfor %}
    union all
    select
        valid.*,
        row_number() over (
            partition by {% for k in key %}valid.{{ k }}{{ ", " if not loop.last }}{% endfor %}
            order by valid._source_file desc{% if version_column %}, valid.{{ version_column }} desc nulls last{% endif %}, valid._line desc
        ) = 1 as _is_chosen,
        cast(null as {{ tsqa_text() }}) as _conflict_reason
    from valid
    {{ tsqa_semi_join() }} versioned_keys
        on {% for k in key %}valid.{{ k }} = versioned_keys.{{ k }}{{ " and " if not loop.last }}{% endfor %}
),
{%- else -%}
versions as (
    select
        *,
        _conflict_reason is null as _is_chosen
    from (
        select
            *,
            case
                when row_number() over (
                    partition by {{ key | join(", ") }}
                    order by _source_file, {% if version_column %}{{ version_column }}, {% endif %}_line
                ) > 1 then 'duplicate_conflict'
                -- the entity's own "one per" rules (its base model)
                {{ conflict_checks }}
            end as _conflict_reason
        from valid
    )
),
{%- endif %}

-- reference checks on the chosen versions. The parents are first narrowed to the values
-- the versions name (a hash table of the few, not of a 10M-row parent).
{%- for r in contract.references %}
parents_{{ loop.index }} as (
    select distinct parent.{{ r.column }} as parent_value
    from {{ landing_parent(r) }} as parent
    where
        parent.{{ r.column }} in (select versions.{{ r.of }} from versions)
        {%- if r.entity %}
        and parent._status = 'current'
        {%- endif %}
),
{%- endfor %}

referenced as (
    select
        versions.*,
        case
            when not versions._is_chosen then null
            {%- for r in contract.references %}
            when versions.{{ r.of }} is not null and parents_{{ loop.index }}.parent_value is null then 'orphan_reference'
            {%- endfor %}
            -- the entity's own checks of a chosen version (its base model)
            {{ version_checks }}
        end as _reference_reason
    from versions
    {%- for r in contract.references %}
    -- parents_{{ loop.index }} holds each value once: the join repeats no version
    left join parents_{{ loop.index }} on versions.{{ r.of }} = parents_{{ loop.index }}.parent_value
    {%- endfor %}
    {{ version_joins }}
)

-- every row once: set aside by a row rule, or decided among the versions of its key
select
    checked.* {{ tsqa_star_except() }} (_row_check, _row_reason, _is_exact_duplicate, _malformed_reason),
    case when checked._is_exact_duplicate then 'exact_duplicate' else 'quarantined' end as _status,
    checked._row_reason as _reason,
    {{ tsqa_run_started_at() }} as _staged_at
from checked
where checked._is_exact_duplicate or checked._row_reason is not null
union all
select
    referenced.* {{ tsqa_star_except() }} (
        _row_check, _row_reason, _is_exact_duplicate, _malformed_reason, _is_chosen, _conflict_reason,
        _reference_reason
    ),
    case
        when referenced._conflict_reason is not null then 'quarantined'
        when not referenced._is_chosen then 'superseded'
        when referenced._reference_reason is not null then 'quarantined'
        else 'current'
    end as _status,
    coalesce(referenced._conflict_reason, referenced._reference_reason) as _reason,
    {{ tsqa_run_started_at() }} as _staged_at
from referenced
{%- endmacro %}


{% macro tsqa_typed(column, type) -%}
    {#- Text as it landed -> the contract's type; null when it does not parse. Integers
        are written as integers (`1.5`, `0x10`, `1e3`, `1_000` do not parse); numbers as
        decimals, optionally with an exponent (no hex, no digit separators). -#}
    {%- if type == "integer" -%}
        case when {{ tsqa_full_match('trim(' ~ column ~ ')', '[+-]?[0-9]+') }} then try_cast(trim({{ column }}) as bigint) end
    {%- elif type == "double" -%}
        case
            when {{ tsqa_full_match('trim(' ~ column ~ ')', '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?') }}
                and {{ tsqa_is_finite('try_cast(trim(' ~ column ~ ') as double)') }}
                then try_cast(trim({{ column }}) as double)
        end
    {%- elif type == "boolean" -%}
        case lower(trim({{ column }})) when 'true' then true when 'false' then false when '1' then true when '0' then false end
    {%- elif type == "date" -%}
        case when {{ tsqa_full_match('trim(' ~ column ~ ')', '\d{4}-\d{2}-\d{2}') }} then try_cast(trim({{ column }}) as date) end
    {%- elif type == "timestamp" -%}
        {#- ISO 8601 with an offset or Z, stored as a UTC timestamp; a naive timestamp is
            not accepted (whose clock would it be?), nor an offset beyond +-14:00 (the
            widest real one) or with minutes past 59. -#}
        case
            when {{ tsqa_full_match(
                'trim(' ~ column ~ ')',
                '\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-](0\d|1[0-3])(:?[0-5]\d)?|[+-]14(:?00)?)'
            ) }} then {{ tsqa_try_utc_timestamp('trim(' ~ column ~ ')') }}
        end
    {%- else -%}
        nullif(trim({{ column }}), '')
    {%- endif -%}
{%- endmacro %}


{% macro tsqa_bad_code(column) -%}
    {#- A code or id column holding a control character (NUL, tab, line break, ...) or
        starting like a spreadsheet formula (= + - @): never a real code, and a formula
        must not reach a mart, an extract or a spreadsheet (`bad_value`). The pattern's
        backslashes are doubled: a Jinja string literal would turn `\x00` into a NUL
        character in the SQL text (which also stops SQLFluff's tracer). -#}
    {{ tsqa_search(column, '[\\x00-\\x1f\\x7f]') }} or {{ tsqa_search(column, '^\s*[=+\-@]') }}
{%- endmacro %}


{% macro tsqa_earliest_plausible() -%}
    {#- Dates and timestamps before this are not real for this warehouse (out_of_range):
        dbt var `min_date` (default 2000-01-01). -#}
    timestamp '{{ var("min_date", "2000-01-01") }}'
{%- endmacro %}


{% macro tsqa_latest_plausible() -%}
    {#- Timestamps after this are impossible (out_of_range): the as-of time when
        TSQA_AS_OF is set, else the time of the build. -#}
    {%- if var('as_of', '') -%}
        {{ adapter.dispatch('tsqa_as_of_utc', 'tsqa')(var("as_of")) }}
    {%- else -%}
        {{ tsqa_now_utc() }}
    {%- endif -%}
{%- endmacro %}


{% macro duckdb__tsqa_as_of_utc(as_of) -%}
    timezone('UTC', '{{ as_of }}'::timestamptz)
{%- endmacro %}


{% macro spark__tsqa_as_of_utc(as_of) -%}
    {#- a bad TSQA_AS_OF stops the build on DuckDB; here it would be NULL (ANSI off) -#}
    coalesce({{ tsqa_try_utc_timestamp(tsqa_literal(as_of)) }}, raise_error('TSQA_AS_OF is not an ISO 8601 time with an offset'))
{%- endmacro %}
