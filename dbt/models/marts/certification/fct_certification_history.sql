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

with versions as (
    select * from {{ ref('stg_landing__certification_versions') }}
),

loads as (
    select * from {{ ref('stg_landing__loads') }}
),

-- the keys whose history is derived: on an incremental run those a newer
-- load brought, on a full build every key
keys_derived as (
    select distinct
        enterprise_uscc,
        campaign_year
    from versions
    {{ only_newer_loads() }}
),

arrived as (
    select
        versions.enterprise_uscc,
        versions.campaign_year,
        versions.district_code,
        versions.enterprise_name,
        versions.employees,
        versions.status,
        versions.certified_date,
        versions.valid_until,
        versions.revoked_date,
        versions.load_id,
        versions.load_seq,
        loads.loaded_at as valid_from
    from versions
    inner join keys_derived
        on versions.enterprise_uscc = keys_derived.enterprise_uscc
        and versions.campaign_year = keys_derived.campaign_year
    inner join loads on versions.load_id = loads.load_id
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
    from arrived
)

select * from final
