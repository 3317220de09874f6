-- Incremental, like its staging model: only versions newer than any here.
{{
    config(
        materialized='incremental',
        unique_key=['district_code', 'record_id'],
        incremental_strategy='delete+insert',
    )
}}

with records as (
    select * from {{ ref('stg_landing__wage_recoveries') }}
    {% if is_incremental() %}
        where load_seq > (
                select coalesce(max(built.load_seq), 0) from {{ this }} as built
            )
    {% endif %}
),

industries as (
    select * from {{ ref('int_industry_names_listed') }}
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
        records.load_id,
        records.load_seq
    from records
    left join industries on records.industry = industries.industry_name
)

select * from final
