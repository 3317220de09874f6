with cases as (
    select * from {{ ref('int_legal_aid_cases_timed') }}
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
        workers >= 10 as is_collective,
        is_new_employment_form,
        industry,
        amount_claimed_yuan,
        amount_recovered_yuan,
        outcome,
        outcome != '办理中' as is_closed,
        outcome = '调解成功' as is_mediated,
        days_to_close,
        workdays_to_close,
        load_id,
    from cases
)

select * from final
