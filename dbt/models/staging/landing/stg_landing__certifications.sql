-- Incremental: see macros/only_newer_loads.sql.
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

withdrawals as (
    select * from {{ source('landing', 'withdrawals') }}
),

latest as (
    select *
    from certifications
    where load_id not in (select withdrawals.load_id from withdrawals)
    qualify
        row_number() over (
            partition by enterprise_uscc, campaign_year
            order by load_seq desc, source_row desc
        ) = 1
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
        -- a certificate is valid for three years unless the return says
        coalesce(
            valid_until,
            cast(certified_date + interval 3 year as date)
        ) as valid_until,
        revoked_date,
        load_id,
        load_seq
    from latest
)

select * from final
