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

    Personal data: columns with meta `pii: drop` in the contract are never stored and
    `pii: hash` columns are replaced by a keyed hash as they land. Reject lines of an
    entity keep no raw text, whatever the entity (any file may hold personal data: a
    decisions file dropped in another folder); the file and line say where to look.
-#}

{% macro tsqa_landing_listing() -%}
    {#- Every landing file by entity (exact paths, sorted by name), from the listing the
        tsqa dbt plugin registers (tsqa/landing.py): a landing file is a regular file
        directly in an entity folder named *.csv or *.parquet. Anything else in the
        landing root (a symbolic link, device, sub-folder, other extension, unknown
        folder) stops the build naming it, unless the dbt var `landing_ignore`
        (TSQA_LANDING_IGNORE) lists it. Never a glob: a name is a literal. -#}
    {%- if not execute -%}{{ return({"files": {}, "problems": [], "ignored": []}) }}{%- endif -%}
    {%- set found = run_query(
        "select tsqa_landing_listing(" ~ tsqa_literal(var('raw_dir')) ~ ", "
        ~ tsqa_literal(var('landing_ignore', '')) ~ ")"
    ) -%}
    {%- set listing = fromjson(found.columns[0].values()[0]) -%}
    {%- if listing["problems"] -%}
        {%- do exceptions.raise_compiler_error(
            "the landing root " ~ var('raw_dir') ~ " holds what is not a landing file (a regular file "
            ~ "<entity>/<name>.csv or .parquet); its rows would be in no count:\n  "
            ~ listing["problems"] | join("\n  ")
            ~ "\nFix: move each out of the landing root, or list it to ignore in TSQA_LANDING_IGNORE "
            ~ "(comma-separated paths relative to the landing root, shell patterns allowed)."
        ) -%}
    {%- endif -%}
    {{ return(listing) }}
{%- endmacro %}


{% macro landing_files(entity, extension) -%}
    {#- Sorted exact paths of the entity's landing files named *.<extension>; none while parsing. -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set files = [] -%}
    {%- for f in tsqa_landing_listing()["files"].get(entity, []) if f.endswith("." ~ extension) -%}
        {%- do files.append(f) -%}
    {%- endfor -%}
    {{ return(files) }}
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


{% macro tsqa_file_list(files) -%}
    [{% for f in files %}{{ tsqa_literal(f) }}{{ "," if not loop.last }}{% endfor %}]
{%- endmacro %}


{% macro tsqa_glob_escape(path) -%}
    {#- A path DuckDB's file functions (which take glob patterns) read literally. -#}
    {{- path | replace("[", "[[]") | replace("*", "[*]") | replace("?", "[?]") -}}
{%- endmacro %}


{% macro tsqa_path_list(files) -%}
    {#- The files as a list DuckDB reads literally (names with [ * ? included). -#}
    [{% for f in files %}{{ tsqa_literal(tsqa_glob_escape(f)) }}{{ "," if not loop.last }}{% endfor %}]
{%- endmacro %}


{% macro tsqa_in_list(files) -%}
    ({% for f in files %}{{ tsqa_literal(f) }}{{ "," if not loop.last }}{% endfor %})
{%- endmacro %}


{% macro landing_scan_csv(entity) -%}
    {{- adapter.dispatch('landing_scan_csv', 'tsqa')(entity) -}}
{%- endmacro %}


{% macro duckdb__landing_scan_csv(entity) -%}
    {#- Pre-hook: parse the entity's CSV files into a temporary table, malformed lines
        into a temporary reject table (file, line, error, text), on this connection.

        Each file is read by its own read_csv call with its own reject tables: in a
        multi-file read DuckDB loses some files' rejects (seen with an unterminated
        quote in the first of several files), and a lost reject is a lost raw row. The
        calls are one UNION ALL statement, so DuckDB scans the files in parallel (a
        statement per file took 3x longer at scale 500). A scan's row number is the
        record's ordinal in its file. -#}
    {%- set columns = landing_contract(entity)["columns"] -%}
    {%- set files = landing_new_files(entity, "csv") -%}
    create or replace temp table tsqa_csv_{{ entity }} (
        {%- for c in columns %}
        {{ c }} varchar,
        {%- endfor %}
        filename varchar,
        tsqa_scan_seq bigint
    );
    create or replace temp table tsqa_rej_{{ entity }} (
        filename varchar, line bigint, line_byte_position bigint, error_type varchar, csv_line varchar
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
        [{{ tsqa_literal(tsqa_glob_escape(f)) }}],
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
        rejects.line_byte_position,
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
    {#- Every landed row of the entity: the engine's reading of its files (landing_rows,
        a CTE list ending in `all_rows`: the contract's columns as text, the file's path,
        format, physical line, why it is malformed), then what both engines do alike. -#}
    {%- set spec = landing_contract(entity) -%}
    {%- set columns = spec["columns"] -%}
    {%- set kept = spec["stored"] -%}
    {%- set personal = spec["pii_drop"] + spec["pii_hash"] -%}
with

{{ adapter.dispatch('landing_rows', 'tsqa')(entity) }}

select
    {% for c in kept -%}
    {% if c in spec["pii_hash"] -%}
    {{ pseudonymise(c) }} as {{ c }},
    {%- else -%}
    {{ c }},
    {%- endif %}
    {% endfor -%}
    -- the file's name orders versions (a later file is a later version), across builds
    {{ tsqa_file_name("filename") }} as _source_file,
    file_format as _file_format,
    line as _line,
    malformed_reason as _malformed_reason,
    raw_line as _raw_line,
    -- fingerprint of every raw column, before any is dropped: two rows are exact
    -- duplicates when their fingerprints are equal. Personal columns enter it only
    -- through their keyed hash, so the fingerprint is no unkeyed hash of a personal
    -- value (with a list of candidate ids and no key, nothing can be matched)
    {{ tsqa_fingerprint("concat_ws(chr(31), " ~ tsqa_fingerprint_columns(columns, personal) ~ ")") }} as _row_fingerprint
from all_rows
{%- endmacro %}


{% macro tsqa_fingerprint_columns(columns, personal) -%}
    {%- for c in columns %}coalesce({{ pseudonymise(c) if c in personal else c }}, chr(0)){{ ", " if not loop.last }}{% endfor -%}
{%- endmacro %}


{% macro duckdb__landing_rows(entity) -%}
    {#- DuckDB: each CSV file was parsed by the pre-hook (landing_scan_csv) with its
        reject table; Parquet by read_parquet. -#}
    {%- set spec = landing_contract(entity) -%}
    {%- set columns = spec["columns"] -%}
    {%- set csv_files = landing_new_files(entity, "csv") -%}
    {%- set parquet_files = landing_new_files(entity, "parquet") -%}
    {%- set parquet_columns = {} -%}
    {%- set drifted_parquet = [] -%}
    {%- if parquet_files -%}
        {#- The contract's columns are flat: a nested column (LIST, STRUCT, MAP) cannot be
            read as text; the build stops naming the file (not another one). -#}
        {%- set nested = run_query(
            "select distinct file_name from parquet_schema(" ~ tsqa_path_list(parquet_files) ~ ")"
            ~ " where name <> 'schema' and (num_children > 0 or converted_type in ('LIST', 'MAP', 'MAP_KEY_VALUE'))"
            ~ " order by file_name"
        ) -%}
        {%- if nested.columns[0].values() | length > 0 -%}
            {%- do exceptions.raise_compiler_error(
                "landing file(s) with a nested column (LIST, STRUCT or MAP; the contract's columns are flat "
                ~ "text, numbers and timestamps): " ~ nested.columns[0].values() | join(", ")
                ~ ". Fix: write the column flat (one value per row), or move the file out of the landing "
                ~ "folder (to reload it later)."
            ) -%}
        {%- endif -%}
        {%- set schema = run_query(
            "select name from parquet_schema(" ~ tsqa_path_list(parquet_files) ~ ") group by name"
        ) -%}
        {%- for name in schema.columns[0].values() -%}{%- do parquet_columns.update({name: true}) -%}{%- endfor -%}
        {#- Parquet is read by column name; a file whose columns are not exactly the
            contract's (one extra, missing or renamed) is schema drift, as for CSV. -#}
        {%- set drift = run_query(
            "with files as (select unnest(" ~ tsqa_file_list(parquet_files) ~ ") as file_name),"
            ~ " leaves as (select file_name, list_sort(list(name)) as names"
            ~ " from parquet_schema(" ~ tsqa_path_list(parquet_files) ~ ")"
            ~ " where num_children is null or num_children = 0 group by file_name)"
            ~ " select files.file_name from files left join leaves on files.file_name = leaves.file_name"
            ~ " where leaves.names is null or leaves.names <> " ~ tsqa_file_list(columns | sort)
        ) -%}
        {%- for f in drift.columns[0].values() -%}{%- do drifted_parquet.append(f) -%}{%- endfor -%}
    {%- endif -%}

-- (not materialized: each reader streams it from the scan's table again; copying 10M
-- rows for the two readers of each CTE spilled, 49 s to 34 s for the decisions without)
csv_parsed as not materialized (
    -- each file was read by its own scan (landing_scan_csv): the scan's row number is
    -- the record's ordinal in its file (1 = the header)
    select
        *,
        tsqa_scan_seq as parsed_ordinal,
        -- physical lines the record spans (a quoted value may hold line breaks)
        1 + length(concat({% for c in columns %}coalesce({{ c }}, ''){{ ", " if not loop.last }}{% endfor %}))
        - length(replace(concat({% for c in columns %}coalesce({{ c }}, ''){{ ", " if not loop.last }}{% endfor %}), chr(10), ''))
            as lines_spanned
    from tsqa_csv_{{ entity }}
),

-- malformed records (one per start position); a line of blanks is no data line
csv_reject_records as (
    select
        filename,
        line_byte_position as byte_position,
        min(error_type) as error_type,
        min(csv_line) as csv_line
    from tsqa_rej_{{ entity }}
    group by filename, line_byte_position
    having trim(min(csv_line), ' ' || chr(9) || chr(13) || chr(10)) <> ''
),

-- where each malformed record starts and ends in the file (tsqa_reject_records, from
-- the file's bytes: the parser's numbering counts a quoted value's line breaks its own
-- way, and its copy of a malformed record is cut at 10,000 characters)
csv_reject_positions as (
    select
        filename,
        list(byte_position order by byte_position) as positions
    from csv_reject_records
    group by filename
),

csv_reject_layout as (
    select
        filename,
        unnest(positions) as byte_position,
        unnest(tsqa_reject_records(filename, positions)) as layout
    from csv_reject_positions
),

csv_rejects as (
    select
        records.filename,
        records.error_type,
        records.csv_line,
        layouts.layout.line as line,
        -- physical lines the record takes; a quote left open to the end of the file
        -- swallowed the lines after it: each of them is a data line
        layouts.layout.lines_spanned as lines_spanned,
        layouts.layout.unterminated as unterminated,
        layouts.layout.swallowed as swallowed,
        -- physical lines before this record that belong to parsed records
        layouts.layout.line - 1 - coalesce(cast(sum(layouts.layout.lines_spanned) over (
            partition by records.filename order by records.byte_position
            rows between unbounded preceding and 1 preceding
        ) as bigint), 0) as lines_before_unparsed
    from csv_reject_records as records
    inner join csv_reject_layout as layouts
        on records.filename = layouts.filename and records.byte_position = layouts.byte_position
),

-- parsed records that span more than one line (rare): their extra lines, cumulated
csv_multiline as (
    select
        filename,
        parsed_ordinal,
        extra_upto,
        parsed_ordinal + extra_upto as end_position
    from (
        select
            filename,
            parsed_ordinal,
            cast(sum(lines_spanned - 1) over (partition by filename order by parsed_ordinal) as bigint) as extra_upto
        from csv_parsed
        where lines_spanned > 1
    )
),

-- each malformed record, with the number of parsed records before it: the physical
-- lines before it, less the lines of earlier malformed records and the extra lines of
-- multi-line parsed records (blank lines, if any, make this an upper bound; see below)
csv_reject_anchors as (
    select
        csv_rejects.filename,
        csv_rejects.line,
        csv_rejects.lines_spanned,
        csv_rejects.lines_before_unparsed - coalesce(multiline.extra_upto, 0) as parsed_before,
        coalesce(multiline.extra_upto, 0) as anchor_extra
    from csv_rejects
    asof left join csv_multiline as multiline
        on csv_rejects.filename = multiline.filename
        and csv_rejects.lines_before_unparsed >= multiline.end_position
),

-- consecutive malformed records share a parsed_before: the last of them anchors
csv_anchors as (
    select
        filename,
        parsed_before,
        max(line + lines_spanned) as next_line,
        max(anchor_extra) as anchor_extra
    from csv_reject_anchors
    group by all
),

-- files with a malformed record or a record spanning lines: only their rows need the
-- anchors below (in every other file a row's physical line is its record's ordinal,
-- which the formula below gives too; the two as-of joins cost a probe per row)
csv_irregular_files as (
    select filename from csv_anchors
    union
    select filename from csv_multiline
),

-- physical line of a parsed row: the line after the last malformed record before it,
-- plus the lines of the parsed records in between (exact unless blank lines sit among
-- parsed rows; malformed lines are always exact)
csv_lines as not materialized (
    select
        csv_parsed.* exclude (lines_spanned),
        csv_parsed.parsed_ordinal as line
    from csv_parsed
    anti join csv_irregular_files as irregular on csv_parsed.filename = irregular.filename
    union all
    select
        csv_parsed.* exclude (lines_spanned),
        coalesce(anchors.next_line, 1)
        + csv_parsed.parsed_ordinal - 1 - coalesce(anchors.parsed_before, 0)
        + coalesce(multiline.extra_upto, 0) - coalesce(anchors.anchor_extra, 0) as line
    from (
        select * from csv_parsed
        semi join csv_irregular_files as irregular on csv_parsed.filename = irregular.filename
    ) as csv_parsed
    asof left join csv_anchors as anchors
        on csv_parsed.filename = anchors.filename
        and csv_parsed.parsed_ordinal > anchors.parsed_before
    asof left join csv_multiline as multiline
        on csv_parsed.filename = multiline.filename
        and csv_parsed.parsed_ordinal > multiline.parsed_ordinal
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

-- a header line again further down (files concatenated with `cat`): every value of the
-- line is a contract column name (list_position: DuckDB plans `in (...)` and
-- list_contains as a join per column over every row; this is a filter that stops at
-- the first column that is no name). Its columns may be in another order (user_id and
-- content_id swapped), so from that line to the end of the file nothing is read under
-- a column name: the lines are schema_mismatch and keep no value
csv_repeated_headers as (
    select
        filename,
        min(line) as first_line
    from csv_lines
    where
        line > 1
        {% for c in columns -%}
        and list_position([{% for k in columns %}'{{ k }}'{{ ", " if not loop.last }}{% endfor %}], lower(trim({{ c }}))) is not null
        {% endfor %}
    group by filename
),

-- one row per physical data line of a malformed record: a record whose quote was
-- left open is split back into the lines it swallowed
csv_reject_rows as (
    select
        filename,
        error_type,
        line,
        csv_line as raw_line
    from csv_rejects
    where not unterminated
    union all
    select
        filename,
        'UNTERMINATED QUOTE' as error_type,
        line + offset_in_record as line,
        raw_line
    from (
        select
            filename,
            line,
            unnest(range(len(swallowed))) as offset_in_record,
            unnest(swallowed) as raw_line
        from csv_rejects
        where unterminated
    )
),

csv_file_facts as (
    -- a file cut short: its last line has no line end where the others have one
    select
        filename,
        tsqa_last_line_cut(filename) as truncated
    from (select distinct filename from csv_parsed union select distinct filename from csv_reject_rows)
),

csv_rows_unchecked as (
    select
        {% for c in columns -%}
        -- a file whose header is not the contract's (or that repeats a header further
        -- down) may hold personal data under any column (user_id and content_id swapped,
        -- or a decisions file in another entity's folder): those rows keep no raw value
        case
            when coalesce(csv_headers.header_ok, false)
                and csv_lines.line < coalesce(repeated.first_line, csv_lines.line + 1)
                then csv_lines.{{ c }}
        end as {{ c }},
        {% endfor -%}
        csv_lines.filename,
        'csv' as file_format,
        csv_lines.line,
        case
            when not coalesce(csv_headers.header_ok, false)
                or csv_lines.line >= coalesce(repeated.first_line, csv_lines.line + 1)
                then 'schema_mismatch'
        end as malformed_reason,
        null::varchar as raw_line
    from csv_lines
    left join csv_headers on csv_lines.filename = csv_headers.filename
    left join csv_repeated_headers as repeated on csv_lines.filename = repeated.filename
    where csv_lines.line > 1
    union all
    select
        {% for c in columns -%}
        null::varchar as {{ c }},
        {% endfor -%}
        rejects.filename,
        'csv' as file_format,
        rejects.line,
        case
            when not coalesce(csv_headers.header_ok, false) then 'schema_mismatch'
            when rejects.error_type in ('TOO MANY COLUMNS', 'MISSING COLUMNS') then 'wrong_column_count'
            when rejects.error_type in ('UNQUOTED VALUE', 'UNTERMINATED QUOTE') then 'broken_quotes'
            when rejects.error_type = 'INVALID ENCODING' then 'bad_encoding'
            when rejects.error_type = 'LINE SIZE OVER MAXIMUM' then 'line_too_long'
            else 'unparseable'
        end as malformed_reason,
        -- never the malformed line's text: a line of any file may hold personal data
        -- (a decisions file dropped in a folder whose entity has none, a column added
        -- upstream); the file and line say where to look
        null::varchar as raw_line
    from csv_reject_rows as rejects
    left join csv_headers on rejects.filename = csv_headers.filename
    where rejects.line > 1 and trim(rejects.raw_line, ' ' || chr(9) || chr(13)) <> ''
),

-- the last line of each file cut short (of the rows below: data lines after line 1)
csv_truncated_last_lines as (
    select
        filename,
        max(line) as last_line
    from (
        select filename, line from csv_lines where line > 1
        union all
        select filename, line from csv_reject_rows
        where line > 1 and trim(raw_line, ' ' || chr(9) || chr(13)) <> ''
    )
    where filename in (select filename from csv_file_facts where truncated)
    group by filename
),

csv_rows as (
    -- the last line of a file cut short is quarantined as `truncated` (a value may
    -- have lost its end: `39` cut to `3` still parses)
    select
        rows.* exclude (malformed_reason),
        case
            when rows.malformed_reason is null and rows.line = cut.last_line
                then 'truncated'
            else rows.malformed_reason
        end as malformed_reason
    from csv_rows_unchecked as rows
    left join csv_truncated_last_lines as cut on rows.filename = cut.filename
),

{% if parquet_files -%}
parquet_rows as (
    select
        {% for c in columns -%}
        {% if c in parquet_columns and drifted_parquet -%}
        case when filename not in {{ tsqa_in_list(drifted_parquet) }}
            then cast({{ c }} as varchar) end as {{ c }},
        {%- elif c in parquet_columns -%}
        cast({{ c }} as varchar) as {{ c }},
        {%- else -%}
        null::varchar as {{ c }},
        {%- endif %}
        {% endfor -%}
        filename,
        'parquet' as file_format,
        file_row_number + 1 as line,
        {% if drifted_parquet -%}
        case when filename in {{ tsqa_in_list(drifted_parquet) }} then 'schema_mismatch' end as malformed_reason,
        {%- else -%}
        null::varchar as malformed_reason,
        {%- endif %}
        null::varchar as raw_line
    from read_parquet(
        {{ tsqa_path_list(parquet_files) }},
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
    select
        {% for c in columns %}{{ c }}, {% endfor %}filename, file_format, line, malformed_reason, raw_line
    from csv_rows
    union all
    select * from parquet_rows
)
{%- endmacro %}


{% macro landing_status_rows() -%}
    {#- entity, source_file, _status of every base row of every entity (reconciliation). -#}
    {%- for entity in landing_entities() %}
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
    {#- entity, source_file, raw_rows of every landing file of every entity folder, read or
        not: raw_rows is counted from the file itself, independently of the CSV parser
        (tsqa_file_facts, tsqa/landing.py): a CSV file's physical data lines, a Parquet
        file's row count. An empty or header-only file shows with 0 rows. -#}
    {%- for entity in landing_entities() %}
    {%- set files = landing_files(entity, "csv") + landing_files(entity, "parquet") %}
    select
        '{{ entity }}' as entity,
        {{ tsqa_file_name("file") }} as source_file,
        (tsqa_file_facts(file)).data_lines as raw_rows
    from ({{ tsqa_text_values(files, "file") }})
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
