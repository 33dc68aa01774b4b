-- SCD2 versions of the roster (raw_contract.md, "moderators"): a version is valid over
-- [updated_at, next version's updated_at); the first version also covers everything
-- before it, so its valid_from is the sentinel 1900-01-01.
with

moderators as (
    select * from {{ ref('stg_landing__moderators') }}
),

vendors as (
    select * from {{ ref('stg_raw__vendors') }}
),

ordered as (
    select
        *,
        cast(row_number() over (partition by moderator_id order by updated_at) as bigint) as version_number,
        lead(updated_at) over (partition by moderator_id order by updated_at) as next_updated_at
    from moderators
)

select
    md5(ordered.moderator_id || '|' || {{ tsqa.timestamp_text('ordered.updated_at') }}) as moderator_key,
    ordered.moderator_id,
    ordered.version_number,
    ordered.vendor_code,
    vendors.is_bpo,
    ordered.site,
    ordered.market,
    ordered.language,
    ordered.role,
    ordered.hired_on,
    ordered.left_on,
    ordered.updated_at as recorded_at,
    case
        when ordered.version_number = 1 then timestamp '1900-01-01 00:00:00'
        else ordered.updated_at
    end as valid_from,
    ordered.next_updated_at as valid_to,
    ordered.next_updated_at is null as is_current
from ordered
left join vendors on ordered.vendor_code = vendors.vendor_code
