-- One row per law-enforcement request type, known from the `lert_sla` seed or seen in the
-- staged requests, with its SLA (null when the seed has no row for it) and the order in
-- which every LERT listing shows types: `emergency` first, then by SLA hours ascending
-- (most urgent first), then by name; types without an SLA row last.
with

lert_sla as (
    select * from {{ ref('stg_raw__lert_sla') }}
),

le_requests as (
    select * from {{ ref('stg_landing__le_requests') }}
),

known_types as (
    select request_type from lert_sla
    union
    select distinct request_type from le_requests
),

with_sla as (
    select
        known_types.request_type,
        cast(lert_sla.sla_hours as double) as sla_hours
    from known_types
    left join lert_sla on known_types.request_type = lert_sla.request_type
)

select
    request_type,
    sla_hours,
    request_type = 'emergency' as is_emergency,
    cast(row_number() over (
        order by request_type = 'emergency' desc, sla_hours asc nulls last, request_type asc
    ) as integer) as request_type_sort
from with_sla
