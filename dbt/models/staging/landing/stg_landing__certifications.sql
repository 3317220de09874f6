-- Incremental: see macros/only_newer_loads.sql. The latest of the
-- versions stg_landing__certification_versions lists (withdrawn loads out,
-- the file's last row where a load repeats a key), one per key.
{{
    config(
        materialized='incremental',
        unique_key=['enterprise_uscc', 'campaign_year'],
        incremental_strategy='delete+insert',
    )
}}

with versions as (
    select * from {{ ref('stg_landing__certification_versions') }}
    {{ only_newer_loads() }}
),

latest as (
    {{ latest_versions('versions', ['enterprise_uscc', 'campaign_year']) }}
),

-- In force on a day d when certified (达标, or 达标 then revoked) by d,
-- still valid on d, and not revoked by d: in_force_from <= d <=
-- in_force_until. The one statement of the rule; every figure of
-- enterprises in force reads these two dates.
final as (
    select
        enterprise_uscc,
        campaign_year,
        enterprise_name,
        district_code,
        subdistrict,
        industry,
        employees,
        score,
        status,
        certified_date,
        valid_until,
        revoked_date,
        load_id,
        load_seq,
        source_row,
        case
            when status in ('达标', '撤销') then certified_date
        end as in_force_from,
        case
            when status in ('达标', '撤销') and revoked_date is null
                then valid_until
            when status in ('达标', '撤销')
                then least(
                        valid_until,
                        {{ date_shifted('revoked_date', -1, 'day') }}
                    )
        end as in_force_until
    from latest
)

select * from final
