{#-
    Landing on Apache Spark: the same rows, row key (_source_file, _line), reasons and
    counts as DuckDB's landing (macros/landing.sql), read with Spark's own readers.

    CSV. Spark's CSV reader gives no line numbers, and DuckDB's row key is the physical
    line where a record starts. So each file is read as text lines (Spark's text reader,
    one row per physical line, with the file's block offset and the line's position in
    it), numbered, and grouped into records by the rule the reconciliation counts with
    (tsqa/landing.py csv_facts): a record runs from a line that starts outside quotes to
    the line where its quotes balance again (a quoted value may hold line breaks); a
    quote still open at the end of the file leaves each line it swallowed a data line of
    its own (broken_quotes). Each record is then parsed with Spark's CSV parser
    (from_csv: every column text, PERMISSIVE, with a corrupt-record column) and checked
    the way DuckDB's reader rejects a line:

      bad_encoding        the line is not valid UTF-8
      line_too_long       longer than DuckDB's limit (2,097,152 bytes)
      broken_quotes       not a sequence of fields (a field is "..." with "" inside, or text
                          without quotes): text after a closing quote, a quote inside
                          an unquoted value; or the parser's corrupt-record column is set
      wrong_column_count  the record has another number of fields than the contract
      schema_mismatch     line 1 is not the contract's header, or a header line repeats

    An empty value, quoted or not, is NULL (as DuckDB reads it). A line of blanks is no
    data line. The pre-hook does nothing on Spark: the model reads the files itself.

    Parquet: Spark's Parquet reader, each column cast to text, the row's index in its
    file (`_metadata.row_index`) + 1 as its line. A file whose columns are not exactly the
    contract's is schema drift (schema_mismatch), as on DuckDB.
-#}

{% macro spark__landing_scan_csv(entity) -%}
    {#- Pre-hook: the model reads the files itself. The entity's Parquet files are one
        scan whose schema is the union of the files' columns (a file with a column more
        or less is found by name and marked schema_mismatch). -#}
    set spark.sql.parquet.mergeSchema = true
{%- endmacro %}


{% macro spark__landing_rows(entity) -%}
    {%- set spec = landing_contract(entity) -%}
    {%- set columns = spec["columns"] -%}
    {%- set csv_files = landing_new_files(entity, "csv") -%}
    {%- set parquet_files = landing_new_files(entity, "parquet") -%}
    {%- set n = columns | length -%}
    {%- set field = '"(?:[^"]|"")*"|[^",]*' -%}
    {%- set csv_schema -%}
        {% for c in columns %}{{ c }} string, {% endfor %}_corrupt_record string
    {%- endset -%}
    {%- set drifted_parquet = [] -%}
    {%- set parquet_columns = {} -%}
    {%- for f in parquet_files -%}
        {#- a file's columns, from its footer (nested columns are not checked here: Spark
            casts them to text, and they fail the type checks of staging) -#}
        {%- set names = run_query("select * from parquet.`" ~ spark_path(f) ~ "` limit 0").column_names | list -%}
        {%- if names | sort != columns | sort -%}{%- do drifted_parquet.append(f) -%}{%- endif -%}
        {%- for name in names -%}{%- do parquet_columns.update({name: true}) -%}{%- endfor -%}
    {%- endfor -%}

{% if csv_files -%}
{%- set folder = csv_files[0].rsplit("/", 1)[0] -%}
-- every physical line of the entity's CSV files (Spark's text reader splits at LF, CR LF
-- and CR); a line's position: its file's block offset, then its order in the block
csv_text as (
    select
        {{ spark_file_name() }} as file_name,
        _metadata.file_block_start as block_start,
        monotonically_increasing_id() as block_order,
        value as text
    from text.`{{ spark_path(folder) }}/*.csv`
    where {{ spark_source_path() }} in {{ tsqa_in_list(csv_files) }}
),

csv_physical as (
    select
        file_name,
        text,
        row_number() over (partition by file_name order by block_start, block_order) as line,
        -- an odd number of quote characters opens or closes a quoted value
        (length(text) - length(replace(text, '"', ''))) % 2 as parity,
        text rlike r'^\s*$' as blank
    from csv_text
),

csv_open as (
    select
        *,
        coalesce(sum(parity) over (
            partition by file_name order by line rows between unbounded preceding and 1 preceding
        ), 0) % 2 = 1 as continues
    from csv_physical
),

csv_numbered as (
    select
        *,
        sum(case when not continues then 1 else 0 end) over (partition by file_name order by line) as record
    from csv_open
),

csv_records as (
    select
        file_name,
        record,
        min(line) as line,
        concat_ws(chr(10), transform(array_sort(collect_list(struct(line, text))), l -> l.text)) as text,
        sum(parity) % 2 = 0 as closed,
        min(case when is_valid_utf8(text) then 1 else 0 end) = 1 as valid_utf8,
        min(case when blank then 1 else 0 end) = 1 as blank
    from csv_numbered
    group by file_name, record
),

csv_parsed as (
    select
        file_name,
        line,
        case
            when not valid_utf8 then 'bad_encoding'
            when octet_length(text) > 2097152 then 'line_too_long'
            when not text rlike r'^(?:{{ field }})(?:,(?:{{ field }}))*$' then 'broken_quotes'
            when size(split(regexp_replace(text, r'"(?:[^"]|"")*"', ''), ',', -1)) <> {{ n }} then 'wrong_column_count'
        end as reject_reason,
        from_csv(
            text,
            '{{ csv_schema }}',
            map('sep', ',', 'quote', '"', 'escape', '"', 'mode', 'PERMISSIVE',
                'columnNameOfCorruptRecord', '_corrupt_record')
        ) as parsed
    from csv_records
    where closed and not blank
),

csv_values as (
    select
        file_name,
        line,
        case
            when reject_reason is not null then reject_reason
            when parsed._corrupt_record is not null then 'broken_quotes'
        end as reject_reason,
        {% for c in columns -%}
        nullif(parsed.{{ c }}, '') as {{ c }}{{ "," if not loop.last }}
        {% endfor %}
    from csv_parsed
),

-- line 1 of every CSV file must be the contract's header, exactly
csv_headers as (
    select
        file_name,
        {% for c in columns -%}
        coalesce(lower(trim({{ c }})) = '{{ c }}', false){{ " and" if not loop.last }}
        {% endfor -%} as header_ok
    from csv_values
    where line = 1 and reject_reason is null
),

-- a header line again further down (files concatenated with `cat`): from that line to
-- the end of the file nothing is read under a column name
csv_repeated_headers as (
    select
        file_name,
        min(line) as first_line
    from csv_values
    where
        line > 1 and reject_reason is null
        {% for c in columns -%}
        and lower(trim({{ c }})) in ({% for k in columns %}'{{ k }}'{{ ", " if not loop.last }}{% endfor %})
        {% endfor %}
    group by file_name
),

csv_rows_unchecked as (
    select
        {% for c in columns -%}
        case
            when vals.reject_reason is null and coalesce(headers.header_ok, false)
                and vals.line < coalesce(repeated.first_line, vals.line + 1)
                then vals.{{ c }}
        end as {{ c }},
        {% endfor -%}
        vals.file_name,
        vals.line,
        case
            when not coalesce(headers.header_ok, false) then 'schema_mismatch'
            when vals.reject_reason is not null then vals.reject_reason
            when vals.line >= coalesce(repeated.first_line, vals.line + 1) then 'schema_mismatch'
        end as malformed_reason
    from csv_values as vals
    left join csv_headers as headers on vals.file_name = headers.file_name
    left join csv_repeated_headers as repeated on vals.file_name = repeated.file_name
    where vals.line > 1
    union all
    -- a quote left open to the end of the file: each line it swallowed is a data line
    select
        {% for c in columns -%}
        cast(null as string) as {{ c }},
        {% endfor -%}
        numbered.file_name,
        numbered.line,
        case when coalesce(headers.header_ok, false) then 'broken_quotes' else 'schema_mismatch' end
            as malformed_reason
    from csv_numbered as numbered
    inner join csv_records as records
        on numbered.file_name = records.file_name and numbered.record = records.record
    left join csv_headers as headers on numbered.file_name = headers.file_name
    where not records.closed and not numbered.blank and numbered.line > 1
),

-- a file cut short: its last line has no line end where the others have one (read from
-- the end of each file, tsqa/landing.py)
csv_file_facts as (
    select
        file_name,
        tsqa_last_line_cut(concat({{ tsqa_literal(folder ~ "/") }}, file_name)) as truncated
    from (select distinct file_name from csv_rows_unchecked)
),

csv_rows as (
    -- the last line of a file cut short is quarantined as `truncated`
    select
        {% for c in columns %}rows.{{ c }}, {% endfor %}
        concat({{ tsqa_literal(folder ~ "/") }}, rows.file_name) as filename,
        'csv' as file_format,
        cast(rows.line as bigint) as line,
        case
            when rows.malformed_reason is null
                and facts.truncated
                and rows.line = max(rows.line) over (partition by rows.file_name)
                then 'truncated'
            else rows.malformed_reason
        end as malformed_reason,
        cast(null as string) as raw_line
    from csv_rows_unchecked as rows
    left join csv_file_facts as facts on rows.file_name = facts.file_name
),
{%- else %}
csv_rows as (
    {{ spark_no_landing_rows(columns, "csv") }}
),
{%- endif %}

{% if parquet_files -%}
{%- set parquet_folder = parquet_files[0].rsplit("/", 1)[0] -%}
parquet_rows as (
    select
        {% for c in columns -%}
        {% if c not in parquet_columns -%}
        cast(null as string) as {{ c }},
        {%- elif drifted_parquet -%}
        case when {{ spark_source_path() }} not in {{ tsqa_in_list(drifted_parquet) }}
            then cast({{ c }} as string) end as {{ c }},
        {%- else -%}
        cast({{ c }} as string) as {{ c }},
        {%- endif %}
        {% endfor -%}
        {{ spark_source_path() }} as filename,
        'parquet' as file_format,
        _metadata.row_index + 1 as line,
        {% if drifted_parquet -%}
        case when {{ spark_source_path() }} in {{ tsqa_in_list(drifted_parquet) }}
            then 'schema_mismatch' end as malformed_reason,
        {%- else -%}
        cast(null as string) as malformed_reason,
        {%- endif %}
        cast(null as string) as raw_line
    from parquet.`{{ spark_path(parquet_folder) }}/*.parquet`
    where {{ spark_source_path() }} in {{ tsqa_in_list(parquet_files) }}
),
{%- else %}
parquet_rows as (
    {{ spark_no_landing_rows(columns, "parquet") }}
),
{%- endif %}

all_rows as (
    select * from csv_rows
    union all
    select * from parquet_rows
)
{%- endmacro %}


{% macro spark_no_landing_rows(columns, file_format) -%}
    {#- No rows, with the columns of landing rows. -#}
    select
        {% for c in columns %}cast(null as string) as {{ c }}, {% endfor %}
        cast(null as string) as filename,
        '{{ file_format }}' as file_format,
        cast(null as bigint) as line,
        cast(null as string) as malformed_reason,
        cast(null as string) as raw_line
    where false
{%- endmacro %}


{% macro spark_path(path) -%}
    {#- `path` written inside a backtick-quoted Spark path (text.`...`, parquet.`...`), read
        literally: Hadoop takes a path as a glob pattern, so each pattern character
        (\ [ ] { } * ?) is escaped with a backslash, and a backtick is doubled (the
        quoting of a Spark identifier). -#}
    {%- set escaped = namespace(text="") -%}
    {%- for ch in path -%}
        {%- set escaped.text = escaped.text ~ ("\\" ~ ch if ch in "\\[]{}*?" else ("``" if ch == "`" else ch)) -%}
    {%- endfor -%}
    {{- escaped.text -}}
{%- endmacro %}


{% macro spark_source_path() -%}
    {#- The path of the file a row was read from, as the listing names it. Spark gives it
        as a URI (file:/...), percent-encoded: `+` is only ever a literal plus there, so
        it is protected before url_decode (which would make it a blank). A read is
        restricted to the listed paths with this: a glob `<folder>/*.csv` also matches a
        sub-folder named `x.csv`, whose files Spark would read. -#}
    regexp_replace(url_decode(replace(_metadata.file_path, '+', '%2B')), '^file:(//)?', '')
{%- endmacro %}


{% macro spark_file_name() -%}
    {#- The name of the file a row was read from (decoded, see spark_source_path). -#}
    substring_index({{ spark_source_path() }}, '/', -1)
{%- endmacro %}
