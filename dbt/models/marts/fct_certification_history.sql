-- Every version of every certification record, valid from the moment its
-- load arrived until the next version arrived (or a withdrawal), derived
-- from the landing data at each build: "certified and in force on
-- 31 December as we knew it on 10 January" has one answer after later
-- corrections. Incremental: a build after new loads derives again the whole
-- history of the keys they bring (see macros/only_newer_loads.sql) and
-- replaces theirs; every other key's history stands.
{{
    config(
        materialized='incremental',
        unique_key=['enterprise_uscc', 'campaign_year'],
        incremental_strategy='delete+insert',
    )
}}

with certifications as (
    select * from {{ source('landing', 'certification') }}
    {%- if is_incremental() %}
        where (enterprise_uscc, campaign_year) in (
                select
                    newer.enterprise_uscc,
                    newer.campaign_year
                from {{ source('landing', 'certification') }} as newer
                {{ only_newer_loads() }}
            )
    {%- endif %}
),

loads as (
    select * from {{ ref('stg_landing__loads') }}
),

withdrawals as (
    select * from {{ source('landing', 'withdrawals') }}
),

versions as (
    select
        certifications.enterprise_uscc,
        certifications.campaign_year,
        certifications.district_code,
        certifications.enterprise_name,
        certifications.employees,
        certifications.status,
        certifications.certified_date,
        coalesce(
            certifications.valid_until,
            cast(certifications.certified_date + interval 3 year as date)
        ) as valid_until,
        certifications.revoked_date,
        certifications.load_id,
        certifications.load_seq,
        loads.loaded_at as valid_from
    from certifications
    inner join loads on certifications.load_id = loads.load_id
    where
        certifications.load_id not in (
            select withdrawals.load_id from withdrawals
        )
    qualify
        row_number() over (
            partition by
                certifications.enterprise_uscc,
                certifications.campaign_year,
                certifications.load_seq
            order by certifications.source_row desc
        ) = 1
),

final as (
    select
        *,
        lead(valid_from) over (
            partition by enterprise_uscc, campaign_year
            order by load_seq
        ) as valid_to,
        lead(valid_from) over (
            partition by enterprise_uscc, campaign_year
            order by load_seq
        ) is null as is_current
    from versions
)

select * from final
