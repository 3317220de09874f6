with records as (
    select * from {{ ref('stg_landing__wage_recoveries') }}
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
        amount_owed_yuan,
        amount_recovered_yuan,
        status,
        load_id,
    from records
)

select * from final
