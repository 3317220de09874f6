-- Incremental: see macros/only_newer_loads.sql.
{{
    config(
        materialized='incremental',
        unique_key=['district_code', 'record_id'],
        incremental_strategy='delete+insert',
    )
}}

with records as (
    select * from {{ source('landing', 'wage_recovery') }}
    {{ only_newer_loads() }}
),

latest as (
    {{ latest_versions('records', ['district_code', 'record_id']) }}
),

final as (
    select
        district_code,
        record_id,
        subdistrict,
        opened_date,
        resolved_date,
        source,
        employer_name,
        employer_uscc,
        industry,
        workers,
        amount_owed as amount_owed_yuan,
        amount_recovered as amount_recovered_yuan,
        status,
        load_id,
        load_seq,
        source_row
    from latest
)

select * from final
