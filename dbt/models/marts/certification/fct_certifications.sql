-- Incremental: see macros/only_newer_loads.sql.
{{
    config(
        materialized='incremental',
        unique_key=['enterprise_uscc', 'campaign_year'],
        incremental_strategy='delete+insert',
    )
}}

with certifications as (
    select * from {{ ref('stg_landing__certifications') }}
    {{ only_newer_loads() }}
),

industries as (
    select * from {{ ref('int_industry_names_listed') }}
),

final as (
    select
        certifications.enterprise_uscc,
        certifications.campaign_year,
        certifications.district_code,
        certifications.enterprise_name,
        certifications.subdistrict,
        certifications.industry,
        coalesce(industries.industry_code, 'X') as industry_code,
        certifications.employees,
        certifications.score,
        certifications.status,
        certifications.certified_date,
        certifications.valid_until,
        certifications.revoked_date,
        certifications.in_force_from,
        certifications.in_force_until,
        certifications.load_id,
        certifications.load_seq
    from certifications
    left join industries on certifications.industry = industries.industry_name
)

select * from final
