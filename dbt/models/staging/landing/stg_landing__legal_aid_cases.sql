-- Incremental: see macros/only_newer_loads.sql.
{{
    config(
        materialized='incremental',
        unique_key=['district_code', 'case_id'],
        incremental_strategy='delete+insert',
    )
}}

with cases as (
    select * from {{ source('landing', 'legal_aid') }}
    {{ only_newer_loads() }}
),

latest as (
    {{ latest_versions('cases', ['district_code', 'case_id']) }}
),

final as (
    select
        district_code,
        case_id,
        subdistrict,
        received_date,
        closed_date,
        dispute_type,
        service_type,
        channel,
        workers,
        coalesce(new_employment_form, false) as is_new_employment_form,
        industry,
        amount_claimed as amount_claimed_yuan,
        -- cast back: PostgreSQL's coalesce with a bare 0 loses the scale
        cast(coalesce(amount_recovered, 0) as decimal(18, 2))
            as amount_recovered_yuan,
        outcome,
        load_id,
        load_seq,
        source_row
    from latest
)

select * from final
