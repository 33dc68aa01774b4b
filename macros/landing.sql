{#-
    Landing: every raw row of an entity's folder, as text, with where it came from.

    One landing table per entity (models/landing) holds every data line of every file
    under <raw_dir>/<entity>/ in file-name order: the rows DuckDB could parse, and the
    malformed CSV lines (wrong column count, broken quotes, bad encoding, a header that
    is not the contract's) captured from DuckDB's CSV reject tables with their exact
    line. Nothing is typed or filtered here: staging does that, so every raw row is
    accounted for (reconciliation) and the reason a row was set aside is recorded.

    CSV files are read with the contract's columns and no sniffing (a sniffer guesses
    wrong on exactly the files that matter); the header line is checked against the
    contract instead. The reject tables are per-connection temporary tables, so the
    pre-hook `landing_scan_csv` fills them on the same connection as the model.

    Landing is append-only by file (incremental): a build reads only the files that are
    not in the table yet, and a file's rows never change once landed. Versions are ordered
    by file name (`_source_file`), which means the same thing in every build; staging
    re-decides the keys a new file touches (macros/staging_rows.sql).

    Personal data: columns marked `pii_drop` in `raw_contract()` are never stored and
    `pii_hash` columns are replaced by a keyed hash as they land. Reject lines of an
    entity with personal data keep no raw text (the file and line say where to look).
-#}

{% macro landing_files(entity, extension) -%}
    {#- Sorted paths of <raw_dir>/<entity>/*.<extension>; none while parsing. -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set pattern = var('raw_dir') ~ '/' ~ entity ~ '/*.' ~ extension -%}
    {%- set found = run_query("select file from glob(" ~ tsqa_literal(pattern) ~ ") order by file") -%}
    {{ return(found.columns[0].values() | list) }}
{%- endmacro %}


{% macro landing_new_files(entity, extension) -%}
    {#- The files a landing model reads in this run: every file on a full build; on an
        incremental build only the files not landed before (landing is append-only by
        file). A file landed before that is no longer in the folder stops the build:
        its rows are in the warehouse, and only a full rebuild can take them out. -#}
    {%- set files = landing_files(entity, extension) -%}
    {%- if not (execute and is_incremental()) -%}{{ return(files) }}{%- endif -%}
    {%- set loaded = run_query("select distinct _source_file from " ~ this) -%}
    {%- set landed = loaded.columns[0].values() | list -%}
    {%- set present = [] -%}
    {%- for f in landing_files(entity, "csv") + landing_files(entity, "parquet") -%}
        {%- do present.append(f.replace("\\", "/").split("/")[-1]) -%}
    {%- endfor -%}
    {%- for name in landed if name not in present -%}
        {%- do exceptions.raise_compiler_error(
            "landing file " ~ var('raw_dir') ~ "/" ~ entity ~ "/" ~ name ~ " was loaded by an earlier build "
            ~ "but is no longer in the folder, and its rows are still in the warehouse. Fix: put the file "
            ~ "back, or rebuild everything without it with `dbt build --full-refresh` "
            ~ "(`tsqa build` does this by itself when a landed file is gone or changed)."
        ) -%}
    {%- endfor -%}
    {%- set fresh = [] -%}
    {%- for f in files if f.replace("\\", "/").split("/")[-1] not in landed -%}{%- do fresh.append(f) -%}{%- endfor -%}
    {{ return(fresh) }}
{%- endmacro %}


{% macro tsqa_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}


{% macro tsqa_file_list(files) -%}
    [{% for f in files %}{{ tsqa_literal(f) }}{{ "," if not loop.last }}{% endfor %}]
{%- endmacro %}


{% macro pseudonymise(column) -%}
    {#- Keyed hash (SHA-256 of key and value) of an identifier; the key comes from the
        session variable the tsqa dbt plugin sets from TSQA_PII_SALT, never from SQL text. -#}
    case when {{ column }} is not null
        then left(sha256(getvariable('tsqa_pii_salt') || '|' || {{ column }}), 32)
    end
{%- endmacro %}


{% macro landing_scan_csv(entity) -%}
    {#- Pre-hook: parse the entity's CSV files into a temporary table, malformed lines
        into a temporary reject table (file, line, error, text), on this connection.

        Each file is read by its own read_csv call with its own reject tables: in a
        multi-file read DuckDB loses some files' rejects (seen with an unterminated
        quote in the first of several files), and a lost reject is a lost raw row. The
        calls are one UNION ALL statement, so DuckDB scans the files in parallel (a
        statement per file took 3x longer at scale 500). A scan's row number is the
        record's ordinal in its file. -#}
    {%- set columns = raw_contract()[entity]["columns"] -%}
    {%- set files = landing_new_files(entity, "csv") -%}
    create or replace temp table tsqa_csv_{{ entity }} (
        {%- for c in columns %}
        {{ c }} varchar,
        {%- endfor %}
        filename varchar,
        tsqa_scan_seq bigint
    );
    create or replace temp table tsqa_rej_{{ entity }} (
        filename varchar, line bigint, error_type varchar, csv_line varchar
    );
    {%- if files %}
    {% for f in files -%}
    drop table if exists tsqa_rej_{{ entity }}_{{ loop.index }};
    drop table if exists tsqa_scan_{{ entity }}_{{ loop.index }};
    {% endfor -%}
    -- one statement, one scan per file (DuckDB runs the scans in parallel)
    insert into tsqa_csv_{{ entity }}
    {% for f in files -%}
    select
        *,
        row_number() over () as tsqa_scan_seq
    from read_csv(
        [{{ tsqa_literal(f) }}],
        header = false,
        auto_detect = false,
        columns = { {%- for c in columns %}'{{ c }}': 'VARCHAR'{{ ", " if not loop.last }}{% endfor -%} },
        delim = ',',
        quote = '"',
        escape = '"',
        filename = true,
        store_rejects = true,
        rejects_table = 'tsqa_rej_{{ entity }}_{{ loop.index }}',
        rejects_scan = 'tsqa_scan_{{ entity }}_{{ loop.index }}'
    )
    {{ "union all" if not loop.last else ";" }}
    {% endfor -%}
    insert into tsqa_rej_{{ entity }}
    {% for f in files -%}
    select
        scans.file_path as filename,
        rejects.line,
        rejects.error_type,
        rejects.csv_line
    from tsqa_rej_{{ entity }}_{{ loop.index }} as rejects
    inner join tsqa_scan_{{ entity }}_{{ loop.index }} as scans
        on rejects.scan_id = scans.scan_id and rejects.file_id = scans.file_id
    {{ "union all" if not loop.last else ";" }}
    {% endfor -%}
    {% for f in files -%}
    drop table tsqa_rej_{{ entity }}_{{ loop.index }};
    drop table tsqa_scan_{{ entity }}_{{ loop.index }};
    {% endfor -%}
    {%- endif %}
{%- endmacro %}


{% macro landing_select(entity) -%}
    {%- set spec = raw_contract()[entity] -%}
    {%- set columns = spec["columns"] -%}
    {%- set kept = [] -%}
    {%- for c in columns if c not in spec["pii_drop"] -%}{%- do kept.append(c) -%}{%- endfor -%}
    {%- set has_pii = (spec["pii_drop"] | length) + (spec["pii_hash"] | length) > 0 -%}
    {%- set parquet_files = landing_new_files(entity, "parquet") -%}
    {%- set parquet_columns = {} -%}
    {%- if parquet_files -%}
        {%- set schema = run_query(
            "select name from parquet_schema(" ~ tsqa_file_list(parquet_files) ~ ") group by name"
        ) -%}
        {%- for name in schema.columns[0].values() -%}{%- do parquet_columns.update({name: true}) -%}{%- endfor -%}
        {#- Parquet is read by column name; a file whose columns are not exactly the
            contract's (one extra, missing or renamed) is schema drift, as for CSV. -#}
        {%- set drift = run_query(
            "with files as (select unnest(" ~ tsqa_file_list(parquet_files) ~ ") as file_name),"
            ~ " leaves as (select file_name, list_sort(list(name)) as names"
            ~ " from parquet_schema(" ~ tsqa_file_list(parquet_files) ~ ")"
            ~ " where num_children is null or num_children = 0 group by file_name)"
            ~ " select files.file_name from files left join leaves on files.file_name = leaves.file_name"
            ~ " where leaves.names is null or leaves.names <> " ~ tsqa_file_list(columns | sort)
        ) -%}
        {%- set drifted_parquet = drift.columns[0].values() | list -%}
    {%- endif -%}

with

csv_parsed as (
    -- each file was read by its own scan (landing_scan_csv): the scan's row number is
    -- the record's ordinal in its file
    select
        *,
        tsqa_scan_seq as parsed_ordinal
    from tsqa_csv_{{ entity }}
),

csv_rejects as (
    select
        filename,
        line,
        min(error_type) as error_type,
        min(csv_line) as csv_line
    from tsqa_rej_{{ entity }}
    group by all
),

-- a malformed record can span several physical lines (an unterminated quote runs on
-- until the next quote): it consumes 1 + the line breaks inside its text
reject_spans as (
    select
        filename,
        line,
        1 + coalesce(
            length(regexp_replace(csv_line, '\r?\n$', ''))
            - length(replace(regexp_replace(csv_line, '\r?\n$', ''), chr(10), '')),
            0
        ) as lines_consumed
    from csv_rejects
),

-- parsed rows that precede each malformed record, and the physical lines taken by
-- malformed records up to and including it (consecutive malformed records share a
-- parsed_before: the last of them counts)
reject_offsets as (
    select
        filename,
        parsed_before,
        max(lines_so_far) as lines_so_far
    from (
        select
            filename,
            line - 1 - coalesce(cast(sum(lines_consumed) over (
                partition by filename order by line
                rows between unbounded preceding and 1 preceding
            ) as bigint), 0) as parsed_before,
            cast(sum(lines_consumed) over (partition by filename order by line) as bigint) as lines_so_far
        from reject_spans
    )
    group by all
),

-- physical line of a parsed row = its ordinal + the lines taken by the malformed
-- records before it (exact while parsed records do not span lines, as
-- contract-conforming drops never do)
csv_lines as (
    select
        csv_parsed.*,
        csv_parsed.parsed_ordinal + coalesce(reject_offsets.lines_so_far, 0) as line
    from csv_parsed
    asof left join reject_offsets
        on csv_parsed.filename = reject_offsets.filename
        and csv_parsed.parsed_ordinal > reject_offsets.parsed_before
),

-- line 1 of every CSV file must be the contract's header, exactly
csv_headers as (
    select
        filename,
        {% for c in columns -%}
        coalesce(lower(trim({{ c }})) = '{{ c }}', false){{ " and" if not loop.last }}
        {% endfor -%} as header_ok
    from csv_lines
    where line = 1
),

csv_rows as (
    select
        {% for c in columns -%}
        csv_lines.{{ c }},
        {% endfor -%}
        csv_lines.filename,
        'csv' as file_format,
        csv_lines.line,
        case when not coalesce(csv_headers.header_ok, false) then 'schema_mismatch' end as malformed_reason,
        null::varchar as raw_line
    from csv_lines
    left join csv_headers on csv_lines.filename = csv_headers.filename
    where csv_lines.line > 1
    union all
    select
        {% for c in columns -%}
        null::varchar as {{ c }},
        {% endfor -%}
        csv_rejects.filename,
        'csv' as file_format,
        csv_rejects.line,
        case
            when not coalesce(csv_headers.header_ok, false) then 'schema_mismatch'
            when csv_rejects.error_type in ('TOO MANY COLUMNS', 'MISSING COLUMNS') then 'wrong_column_count'
            when csv_rejects.error_type = 'UNQUOTED VALUE' then 'broken_quotes'
            when csv_rejects.error_type = 'INVALID ENCODING' then 'bad_encoding'
            when csv_rejects.error_type = 'LINE SIZE OVER MAXIMUM' then 'line_too_long'
            else 'unparseable'
        end as malformed_reason,
        {% if has_pii -%}
        null::varchar as raw_line
        {%- else -%}
        csv_rejects.csv_line as raw_line
        {%- endif %}
    from csv_rejects
    left join csv_headers on csv_rejects.filename = csv_headers.filename
    where csv_rejects.line > 1
),

{% if parquet_files -%}
parquet_rows as (
    select
        {% for c in columns -%}
        {% if c in parquet_columns -%}
        cast({{ c }} as varchar) as {{ c }},
        {%- else -%}
        null::varchar as {{ c }},
        {%- endif %}
        {% endfor -%}
        filename,
        'parquet' as file_format,
        file_row_number + 1 as line,
        {% if drifted_parquet -%}
        case when filename in {{ tsqa_file_list(drifted_parquet) | replace("[", "(") | replace("]", ")") }}
            then 'schema_mismatch'
        end as malformed_reason,
        {%- else -%}
        null::varchar as malformed_reason,
        {%- endif %}
        null::varchar as raw_line
    from read_parquet(
        {{ tsqa_file_list(parquet_files) }},
        union_by_name = true,
        filename = true,
        file_row_number = true
    )
),
{%- else -%}
parquet_rows as (
    select
        {% for c in columns -%}
        null::varchar as {{ c }},
        {% endfor -%}
        null::varchar as filename,
        'parquet' as file_format,
        null::bigint as line,
        null::varchar as malformed_reason,
        null::varchar as raw_line
    where false
),
{%- endif %}

all_rows as (
    select * from csv_rows
    union all
    select * from parquet_rows
)

select
    {% for c in kept -%}
    {% if c in spec["pii_hash"] -%}
    {{ pseudonymise(c) }} as {{ c }},
    {%- else -%}
    {{ c }},
    {%- endif %}
    {% endfor -%}
    -- the file's name orders versions (a later file is a later version), across builds
    parse_filename(filename) as _source_file,
    file_format as _file_format,
    line as _line,
    malformed_reason as _malformed_reason,
    raw_line as _raw_line,
    -- fingerprint of every raw column, personal ones included, before any is dropped:
    -- two rows are exact duplicates when their fingerprints are equal
    md5_number(concat_ws(chr(31), {% for c in columns %}coalesce({{ c }}, chr(0)){{ ", " if not loop.last }}{% endfor %})) as _row_fingerprint
from all_rows
{%- endmacro %}


{% macro landing_status_rows() -%}
    {#- entity, source_file, _status of every base row of every entity (reconciliation). -#}
    {%- for entity in raw_contract().keys() %}
    select
        '{{ entity }}' as entity,
        _source_file as source_file,
        _status
    from {{ ref('base_landing__' ~ entity) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{% macro landing_file_rows() -%}
    {#- entity, source_file of every file in every entity folder, read or not: an empty
        or header-only file still shows (with 0 rows) in the reconciliation. -#}
    {%- for entity in raw_contract().keys() %}
    {%- set files = landing_files(entity, "csv") + landing_files(entity, "parquet") %}
    select
        '{{ entity }}' as entity,
        parse_filename(file) as source_file
    from (select unnest({{ tsqa_file_list(files) if files else "[]::varchar[]" }}) as file)
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
