{#-
    Reconciliation (validation.md, raw_contract.md): for every entity and every file in
    its landing folder, raw rows = current + superseded + quarantined + exact duplicates,
    where raw rows is counted from the file itself, independently of the CSV parser:
    its physical data lines (every line after the header that is not blank and does not
    continue a properly quoted field; a quote left open swallows the lines after it, and
    each counts) or a Parquet file's row count (tsqa/landing.py). `landed_rows` is what
    the landing layer made of the file. Files come from the folder listing itself, so an
    empty or header-only file shows with 0 rows instead of disappearing.

    The entities come from the landing contract (models/landing/_landing__models.yml),
    which dbt reads only after parsing: each entity's base model is named here so that
    dbt knows this model depends on it.
-#}
-- depends_on: {{ ref('base_landing__moderators') }}
-- depends_on: {{ ref('base_landing__moderation_decisions') }}
-- depends_on: {{ ref('base_landing__qa_audits') }}
-- depends_on: {{ ref('base_landing__audit_disputes') }}
-- depends_on: {{ ref('base_landing__calibration_ratings') }}
-- depends_on: {{ ref('base_landing__rca_cases') }}
-- depends_on: {{ ref('base_landing__policy_changes') }}
-- depends_on: {{ ref('base_landing__training_completions') }}
-- depends_on: {{ ref('base_landing__le_requests') }}
-- depends_on: {{ ref('base_landing__lert_assessments') }}
-- depends_on: {{ ref('base_landing__escalations') }}
-- depends_on: {{ ref('base_landing__experiment_assignments') }}
with

all_rows as (
    {{ landing_status_rows() }}
),

files as (
    {{ landing_file_rows() }}
),

counted as (
    select
        entity,
        source_file,
        count(*) as landed_rows,
        count(*) filter (where _status = 'current') as current_rows,
        count(*) filter (where _status = 'superseded') as superseded_rows,
        count(*) filter (where _status = 'quarantined') as quarantined_rows,
        count(*) filter (where _status = 'exact_duplicate') as exact_duplicate_rows
    from all_rows
    group by all
),

reconciled as (
    select
        coalesce(files.entity, counted.entity) as entity,
        coalesce(files.source_file, counted.source_file) as source_file,
        files.raw_rows,
        coalesce(counted.landed_rows, 0) as landed_rows,
        coalesce(counted.current_rows, 0) as current_rows,
        coalesce(counted.superseded_rows, 0) as superseded_rows,
        coalesce(counted.quarantined_rows, 0) as quarantined_rows,
        coalesce(counted.exact_duplicate_rows, 0) as exact_duplicate_rows
    from files
    full outer join counted
        on files.entity = counted.entity and files.source_file = counted.source_file
)

select
    *,
    coalesce(
        raw_rows = landed_rows
        and landed_rows = current_rows + superseded_rows + quarantined_rows + exact_duplicate_rows,
        false
    ) as is_balanced
from reconciled
