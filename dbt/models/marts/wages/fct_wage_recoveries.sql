-- Incremental: see macros/only_newer_loads.sql.
{{
    config(
        materialized='incremental',
        unique_key=['district_code', 'record_id'],
        incremental_strategy='delete+insert',
    )
}}

with records as (
    select * from {{ ref('stg_landing__wage_recoveries') }}
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
        records.district_code,
        records.record_id,
        records.subdistrict,
        records.opened_date,
        records.resolved_date,
        records.source,
        records.employer_name,
        records.employer_uscc,
        records.industry,
        coalesce(industries.industry_code, 'X') as industry_code,
        records.workers,
        records.amount_owed_yuan,
        records.amount_recovered_yuan,
        records.status,
        records.status = '已办结' as is_resolved,
        case
            when records.status = '已办结' and records.resolved_date is not null
                then records.resolved_date - records.opened_date
        end as days_to_resolve,
        records.load_id,
        records.load_seq,
        -- where the row came from: the file (and sheet) of its load,
        -- the row a person sees in Excel, and when it was loaded
        loads.file_name,
        loads.sheet,
        records.source_row,
        loads.loaded_at
    from records
    left join industries on records.industry = industries.industry_name
    left join loads on records.load_id = loads.load_id
)

-- stored by district and date, so that a district's records are read
-- from its own blocks, not from every block of the table
select * from final
order by district_code, opened_date
