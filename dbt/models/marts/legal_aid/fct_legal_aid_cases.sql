-- Incremental: see macros/only_newer_loads.sql.
{{
    config(
        materialized='incremental',
        unique_key=['district_code', 'case_id'],
        incremental_strategy='delete+insert',
    )
}}

with cases as (
    select * from {{ ref('int_legal_aid_cases_timed') }}
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
        cases.district_code,
        cases.case_id,
        cases.subdistrict,
        cases.received_date,
        cases.closed_date,
        cases.dispute_type,
        cases.service_type,
        cases.channel,
        cases.workers,
        cases.workers >= 10 as is_collective,
        cases.is_new_employment_form,
        cases.industry,
        coalesce(industries.industry_code, 'X') as industry_code,
        cases.amount_claimed_yuan,
        cases.amount_recovered_yuan,
        cases.outcome,
        cases.outcome != '办理中' as is_closed,
        cases.outcome = '调解成功' as is_mediated,
        cases.days_to_close,
        cases.workdays_to_close,
        cases.load_id,
        cases.load_seq,
        -- where the row came from: the file (and sheet) of its load,
        -- the row a person sees in Excel, and when it was loaded
        loads.file_name,
        loads.sheet,
        cases.source_row,
        loads.loaded_at
    from cases
    left join industries on cases.industry = industries.industry_name
    left join loads on cases.load_id = loads.load_id
)

-- stored by district and date, so that a district's records are read
-- from its own blocks, not from every block of the table
select * from final
order by district_code, received_date
