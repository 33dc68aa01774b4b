-- One row per moderator and roster version (SCD2): the attributes valid over
-- [valid_from, valid_to). The first version's valid_from is 1900-01-01 because it also
-- covers everything before it; valid_to is null on the current version.
-- No personal data: work_email never leaves landing.
with

versions as (
    select * from {{ ref('int_moderation__moderator_versions') }}
)

select
    moderator_key,
    moderator_id,
    version_number,
    vendor_code,
    is_bpo,
    site,
    market,
    language,
    role,
    hired_on,
    left_on,
    recorded_at,
    valid_from,
    valid_to,
    is_current
from versions
