-- Incremental: see macros/only_newer_loads.sql. Every version of these
-- rows, withdrawn loads out: stg_landing__certification_versions.
{{
    config(
        materialized='incremental',
        unique_key=['enterprise_uscc', 'campaign_year'],
        incremental_strategy='delete+insert',
    )
}}

with certifications as (
    select * from {{ source('landing', 'certification') }}
    {{ only_newer_loads() }}
),

latest as (
    {{ latest_versions(
        'certifications', ['enterprise_uscc', 'campaign_year']
    ) }}
),

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
        {{ certification_valid_until('valid_until', 'certified_date') }}
            as valid_until,
        revoked_date,
        load_id,
        load_seq
    from latest
)

select * from final
