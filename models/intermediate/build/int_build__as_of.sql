-- The single "now" of a build (raw_contract.md, "As-of time"): TSQA_AS_OF (dbt var
-- as_of) when set, else the latest le_requests.updated_at in the landing data, else the
-- build time when there are no LE requests at all. One row.
with

le_requests as (
    select * from {{ ref('stg_landing__le_requests') }}
),

latest as (
    select max(updated_at) as latest_updated_at
    from le_requests
)

select
    {% if var('as_of', '') -%}
    {{ tsqa.utc_timestamp(var("as_of")) }} as as_of,
    'TSQA_AS_OF' as as_of_source
    {%- else -%}
        coalesce(latest_updated_at, {{ tsqa.utc_now() }}) as as_of,
        case when latest_updated_at is null then 'build_time' else 'latest_le_request_update' end as as_of_source
    {%- endif %}
from latest
