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

loads as (
    select * from {{ ref('stg_landing__loads') }}
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
        certifications.load_seq,
        -- where the row came from: the file (and sheet) of its load,
        -- the row a person sees in Excel, and when it was loaded
        loads.file_name,
        loads.sheet,
        certifications.source_row,
        loads.loaded_at
    from certifications
    left join industries on certifications.industry = industries.industry_name
    left join loads on certifications.load_id = loads.load_id
)

-- stored by district and date, so that a district's records are read
-- from its own blocks, not from every block of the table
select * from final
order by district_code, in_force_from
